import {request as httpRequest} from 'node:http'
import {connect} from 'node:net'

import {Agent, request} from 'undici'
import {afterAll, beforeAll, describe, expect, it} from 'vitest'

import {generateScenario} from '../../../src/sandbox/generate.js'
import {paymentsFor, scenarioEvents, type ScenarioEvent} from '../../../src/sandbox/model.js'
import type {SignedWebhook} from '../../../src/sandbox/emulator.js'
import {updateProvider} from '../../../src/store/repos/providers.js'
import {startWebhookServer} from '../../../src/services/webhooks/serve.js'
import {manualClock} from '../../helpers/sync-world.js'
import {connectAll, fetchesSettled, makeHome, serveHooks, startWorld, type HookHome, type HookWorld} from './world.js'
import {sqliteHandle} from '../../../src/store/ops/ledger-handle.js'

// `webhooks serve` against the Stripe and Adyen emulators of one world: what it answers, what it commits, and when.
const scenario = generateScenario({
  seed: 12,
  customers: 25,
  transactions: 160,
  start: '2026-03-01T00:00:00.000Z',
  end: '2026-03-20T00:00:00.000Z',
  gateways: ['stripe', 'adyen'],
})
const clock = manualClock('2026-03-20T00:00:00.000Z')
const agent = new Agent({connections: 64})
let world: HookWorld
let h: HookHome
let base: string

beforeAll(async () => {
  world = await startWorld({scenario, clock, kinds: ['stripe', 'adyen']})
  h = await makeHome({scenario, clock})
  await connectAll(h, world)
  base = (await serveHooks(h)).url
}, 60_000)

afterAll(async () => {
  await h?.close()
  await world?.close()
  await agent.close()
})

/** A POST whose body is sent in two halves: `finish` sends the second; `status` is the answer's status. */
function halfThenRest(port: number, hook: SignedWebhook) {
  const body = Buffer.from(hook.body)
  const half = Math.floor(body.length / 2)
  let finish = (): void => undefined
  let headersSent = (): void => undefined
  const sent = new Promise<void>((r) => (headersSent = r))
  const status = new Promise<number>((resolve, reject) => {
    const req = httpRequest(
      {
        port,
        host: '127.0.0.1',
        method: 'POST',
        path: '/webhooks/stripe',
        headers: {...hook.headers, 'content-length': body.length},
      },
      (res) => {
        res.resume()
        resolve(res.statusCode ?? 0)
      },
    )
    req.on('error', reject)
    req.write(body.subarray(0, half), () => setTimeout(headersSent, 50))
    finish = () => req.end(body.subarray(half))
  })
  return {headersSent: sent, finish: () => finish(), status}
}

async function post(path: string, hook: Pick<SignedWebhook, 'headers' | 'body'>, method = 'POST') {
  const res = await request(`${base}${path}`, {
    method: method as 'POST',
    headers: hook.headers,
    body: hook.body,
    dispatcher: agent,
  })
  return {status: res.statusCode, body: await res.body.text(), type: String(res.headers['content-type'])}
}

const succeeded = paymentsFor(scenario, 'stripe', 'own').filter((p) => p.outcome === 'succeeded' && !p.settledAt)
const hooksFor = (kind: 'stripe' | 'adyen', events: ScenarioEvent[]) =>
  world.emulators.get(kind)!.webhooks(events, `${base}/webhooks/${kind}`)
const count = (sql: string, ...args: unknown[]) =>
  h.db.raw
    .prepare(sql)
    .pluck()
    .get(...args) as number

describe('webhooks serve', () => {
  it('commits a verified event before answering 2xx; the same event posted 5 times applies once; the fee is read from Stripe', async () => {
    const payment = succeeded[0]!
    const [hook] = hooksFor('stripe', [{at: payment.createdAt, type: 'payment.created', payment}])
    const txnId = `stripe:${world.emulators.get('stripe')!.externalId('payment', payment.key)}`
    const first = await post('/webhooks/stripe', hook!)
    expect(first).toMatchObject({status: 200, body: JSON.stringify({received: true, duplicate: false})})
    // Answered: so already committed, visible to any reader.
    expect(count('SELECT COUNT(*) FROM transactions WHERE id = ?', txnId)).toBe(1)
    const postings = count('SELECT COUNT(*) FROM ledger_postings WHERE txn_id = ?', txnId)
    expect(postings).toBeGreaterThan(0)
    const again = await Promise.all([1, 2, 3, 4].map(() => post('/webhooks/stripe', hook!)))
    for (const r of again)
      expect(r).toMatchObject({status: 200, body: JSON.stringify({received: true, duplicate: true})})
    expect(
      h.db.raw.prepare('SELECT deliveries, status FROM webhook_events WHERE dedup_key = ?').get(hook!.dedupId),
    ).toEqual(expect.objectContaining({deliveries: 5}))
    // The event carried the balance transaction as a bare id: the charge is read back for its fee.
    await fetchesSettled(h.db)
    expect(h.db.raw.prepare('SELECT fee_minor FROM transactions WHERE id = ?').pluck().get(txnId)).toBe(
      payment.fee.minor,
    )
    const fees = count(`SELECT COUNT(*) FROM ledger_postings WHERE txn_id = ? AND account = 'fees:stripe'`, txnId)
    expect(fees).toBeGreaterThan(0)
    expect(count('SELECT COUNT(*) FROM ledger_postings WHERE txn_id = ?', txnId)).toBe(postings + fees + fees)
    expect(count(`SELECT COUNT(*) FROM sync_latency WHERE txn_id = ? AND source = 'webhook'`, txnId)).toBe(2)
  })

  it('answers Adyen with its literal [accepted]', async () => {
    const payment = paymentsFor(scenario, 'adyen', 'own').find((p) => p.outcome === 'succeeded')!
    const [hook] = hooksFor('adyen', [{at: payment.createdAt, type: 'payment.created', payment}])
    expect(await post('/webhooks/adyen', hook!)).toEqual({status: 200, body: '[accepted]', type: 'text/plain'})
  })

  it('refuses, counts and audits: unknown provider 404, disabled 403, wrong method 405, bad signature 401, malformed 400, too large 413', async () => {
    const payment = succeeded[1]!
    const [hook] = hooksFor('stripe', [{at: payment.createdAt, type: 'payment.created', payment}])
    const [adyenHook] = hooksFor('adyen', [
      {at: scenario.start, type: 'payment.created', payment: paymentsFor(scenario, 'adyen', 'own')[0]!},
    ])
    const tampered = {...hook!, body: hook!.body.replace('"livemode": false', '"livemode": true')}
    expect(tampered.body).not.toBe(hook!.body)
    const unsigned = {headers: {'content-type': 'application/json'}, body: hook!.body}
    const otherKey = {...hook!, headers: {...hook!.headers, 'stripe-signature': 't=1,v1=00'}}
    const cases: Array<[string, Promise<{status: number}>]> = [
      ['unknown provider', post('/webhooks/nobody', hook!)],
      ['wrong method', post('/webhooks/stripe', {headers: {}, body: ''}, 'PUT')],
      ['healthz is GET', post('/healthz', hook!)],
      ['no such path', post('/hooks/stripe', hook!)],
      ['tampered', post('/webhooks/stripe', tampered)],
      ['unsigned', post('/webhooks/stripe', unsigned)],
      ['another key', post('/webhooks/stripe', otherKey)],
      ['not JSON', post('/webhooks/adyen', {headers: adyenHook!.headers, body: '{"notificationItems": [oops'})],
      ['too large', post('/webhooks/stripe', {headers: hook!.headers, body: 'x'.repeat(1024 * 1024 + 1)})],
    ]
    const statuses = Object.fromEntries(await Promise.all(cases.map(async ([k, p]) => [k, (await p).status])))
    expect(statuses).toEqual({
      'unknown provider': 404,
      'wrong method': 405,
      'healthz is GET': 405,
      'no such path': 404,
      tampered: 401,
      unsigned: 401,
      'another key': 401,
      'not JSON': 400,
      'too large': 413,
    })
    updateProvider(h.db, 'adyen', {enabled: false})
    try {
      await new Promise((r) => setTimeout(r, 1_100)) // the server re-reads a provider at most every second
      expect((await post('/webhooks/adyen', adyenHook!)).status).toBe(403)
    } finally {
      updateProvider(h.db, 'adyen', {enabled: true})
    }
    // Nothing refused reached the ledger.
    expect(count('SELECT COUNT(*) FROM webhook_events WHERE dedup_key = ?', hook!.dedupId)).toBe(0)
    await new Promise((r) => setTimeout(r, 1_200)) // refusal tallies are audited once a second
    const audited = h.db.raw
      .prepare(`SELECT details_json FROM audit_log WHERE action = 'webhook.refused'`)
      .pluck()
      .all() as string[]
    const details = audited.map((d) => JSON.parse(d) as {status: number; reason: string; count: number})
    const byStatus = (s: number) => details.filter((d) => d.status === s).reduce((n, d) => n + d.count, 0)
    expect([404, 403, 405, 401, 400, 413].map(byStatus)).toEqual([2, 1, 2, 3, 1, 1])
    expect(details.find((d) => d.status === 401 && /no v1 signature matches/.test(d.reason))).toBeDefined()
    const secrets = Object.values(world.emulators.get('stripe')!.secrets).concat(
      Object.values(world.emulators.get('adyen')!.secrets),
    )
    for (const text of audited) for (const secret of secrets) expect(text).not.toContain(secret)
  })

  it('refuses a Stripe signature older than the tolerance (401), fresh ones pass', async () => {
    const payment = succeeded[2]!
    const [hook] = hooksFor('stripe', [{at: payment.createdAt, type: 'payment.created', payment}])
    const now = clock.iso()
    clock.set(new Date(Date.parse(now) + 301_000).toISOString())
    try {
      const stale = await post('/webhooks/stripe', hook!)
      expect(stale.status).toBe(401)
      expect(stale.body).toMatch(/old \(tolerance 300 s\)/)
    } finally {
      clock.set(now)
    }
    expect((await post('/webhooks/stripe', hook!)).status).toBe(200)
  })

  it('times a slow body out (408) and closes the connection', async () => {
    const server = await startWebhookServer(sqliteHandle(h.db), h.ctx, {port: 0, bodyTimeoutMs: 200})
    try {
      const {port} = new URL(server.url)
      const answer = await new Promise<string>((resolve, reject) => {
        const socket = connect(Number(port), '127.0.0.1', () =>
          socket.write('POST /webhooks/stripe HTTP/1.1\r\nHost: x\r\nContent-Length: 100\r\n\r\n{"id":'),
        )
        let text = ''
        socket.on('data', (d) => (text += d.toString()))
        socket.on('close', () => resolve(text))
        socket.on('error', reject)
      })
      expect(answer).toMatch(/^HTTP\/1\.1 408/)
      expect(answer).toMatch(/connection: close/i)
    } finally {
      await server.close()
    }
  })

  it('concurrent deliveries are each answered once committed', async () => {
    const events = scenarioEvents(succeeded.slice(5, 65)).filter((e) => e.type === 'payment.created')
    const hooks = hooksFor('stripe', events)
    const replies = await Promise.all(hooks.map((hook) => post('/webhooks/stripe', hook)))
    expect(replies.every((r) => r.status === 200)).toBe(true)
    for (const hook of hooks)
      expect(count('SELECT COUNT(*) FROM webhook_events WHERE dedup_key = ?', hook.dedupId)).toBe(1)
    await fetchesSettled(h.db)
  })

  it("GET /healthz answers while serving; SIGTERM's drain lets the requests in flight finish and commit, then stops listening", async () => {
    const server = await startWebhookServer(sqliteHandle(h.db), h.ctx, {port: 0})
    const health = await request(`${server.url}/healthz`, {dispatcher: agent})
    expect(health.statusCode).toBe(200)
    expect(await health.body.json()).toMatchObject({status: 'ok', accepted: 0})
    const events = scenarioEvents(succeeded.slice(70, 80)).filter((e) => e.type === 'payment.created')
    const hooks = world.emulators.get('stripe')!.webhooks(events, `${server.url}/webhooks/stripe`)
    // Each body arrives in two halves: the server holds them all in flight when the drain starts.
    const {port} = new URL(server.url)
    const started = hooks.map((hook) => halfThenRest(Number(port), hook))
    await Promise.all(started.map((s) => s.headersSent))
    const closing = server.close()
    for (const s of started) s.finish()
    const statuses = await Promise.all(started.map((s) => s.status))
    expect(statuses).toEqual(hooks.map(() => 200))
    const closed = await closing
    expect(closed).toMatchObject({accepted: hooks.length, forced: 0})
    for (const hook of hooks)
      expect(count('SELECT COUNT(*) FROM webhook_events WHERE dedup_key = ?', hook.dedupId)).toBe(1)
    await expect(request(`${server.url}/healthz`)).rejects.toThrow()
    // The charges they name were not all read before it stopped: the next server to start reads them.
    const next = await startWebhookServer(sqliteHandle(h.db), h.ctx, {port: 0})
    try {
      await fetchesSettled(h.db)
    } finally {
      await next.close()
    }
  })
})
