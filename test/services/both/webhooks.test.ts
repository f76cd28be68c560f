import {Agent, request} from 'undici'
import {afterAll, afterEach, beforeAll, describe, expect, it} from 'vitest'

import type {AppContext} from '../../../src/app/context.js'
import {envVarName} from '../../../src/secrets/index.js'
import type {SignedWebhook} from '../../../src/sandbox/emulator.js'
import {generateScenario} from '../../../src/sandbox/generate.js'
import {paymentsFor, scenarioEvents, type ScenarioPayment} from '../../../src/sandbox/model.js'
import {compareWithTruth, expectedTransactions, formatComparison} from '../../../src/sandbox/truth.js'
import {verifyAudit} from '../../../src/services/audit.js'
import {listWebhookEventViews, replayWebhookEvent} from '../../../src/services/webhooks/events.js'
import {startWebhookServer, type RunningWebhookServer} from '../../../src/services/webhooks/serve.js'
import type {LedgerHandle} from '../../../src/store/ops/ledger-handle.js'
import {all, type Ops, value} from '../../../src/store/ops/op.js'
import {upsertCustomers} from '../../../src/store/repos/customers.js'
import {addGrant} from '../../../src/store/repos/grants.js'
import {insertProvider} from '../../../src/store/repos/providers.js'
import {upsertSites} from '../../../src/store/repos/sites.js'
import {storedTransactions} from '../../../src/store/repos/transactions.js'
import {testPostgres} from '../../helpers/postgres.js'
import {manualClock} from '../../helpers/sync-world.js'
import {type HandleEngine, type HandleUnderTest, handleEngines} from '../../store/ops/engines.js'
import {startWorld, type HookWorld} from '../webhooks/world.js'
import {denseSeqs} from '../../helpers/dense-seqs.js'

const postgres = await testPostgres()

/**
 * `webhooks serve` on both engines, through the handle a PostgreSQL ledger is used by: Stripe's signed deliveries
 * (from the sandbox's emulator) verified, de-duplicated, committed before the 2xx; the objects they name read back
 * from the emulator by the fetcher; refusals counted and audited; `webhooks list` and `webhooks replay`. Then two
 * servers on one ledger given the same deliveries at once, as behind a load balancer: each event applied once.
 */
const END = '2026-04-15T00:00:00.000Z'
const scenario = generateScenario({
  seed: 8,
  customers: 16,
  transactions: 80,
  start: '2026-04-01T00:00:00.000Z',
  end: END,
  gateways: ['stripe'],
})
const clock = manualClock(END)
const agent = new Agent({connections: 64})
let world: HookWorld

beforeAll(async () => {
  world = await startWorld({scenario, clock, kinds: ['stripe']})
}, 60_000)

afterAll(async () => {
  await world?.close()
  await agent.close()
})

const engines = handleEngines(postgres)
const opened: HandleUnderTest[] = []
const servers: RunningWebhookServer[] = []
afterEach(async () => {
  while (servers.length > 0) await servers.pop()!.close()
  while (opened.length > 0) await opened.pop()!.close()
})

async function open(engine: HandleEngine): Promise<HandleUnderTest> {
  const h = await engine.open(clock.now)
  opened.push(h)
  return h
}

/** vip customers get no grant at first: their payments are quarantined until one is added and the event replayed. */
const WITHHELD = 'vip'
const customers = new Map(scenario.customers.map((c) => [c.id, c]))
const stripePayments = paymentsFor(scenario, 'stripe', 'own')
/** A few payments of granted customers with refunds or disputes, and one of a vip, with every event of each. */
const granted = (p: ScenarioPayment) => customers.get(p.customer)!.segment !== WITHHELD
const pick = (n: number, test: (p: ScenarioPayment) => boolean) => stripePayments.filter(test).slice(0, n)
const chosen: ScenarioPayment[] = [
  ...new Set([
    ...pick(2, (p) => granted(p) && p.refunds.length > 0),
    ...pick(1, (p) => granted(p) && p.dispute !== null),
    ...pick(1, (p) => granted(p) && p.outcome === 'failed'),
    ...pick(1, (p) => granted(p) && p.settledAt !== null),
    ...pick(4, (p) => granted(p) && p.outcome === 'succeeded'),
    ...pick(1, (p) => !granted(p) && p.outcome === 'succeeded'),
  ]),
]
const vipPayment = chosen.at(-1)!

function context(): AppContext {
  const gateway = world.sandbox.gateways.find((g) => g.kind === 'stripe')!
  const env: NodeJS.ProcessEnv = Object.fromEntries(
    Object.entries(gateway.secrets).map(([field, secret]) => [envVarName('stripe', field), secret]),
  )
  return {
    home: {dataDir: '/nonexistent', configDir: '/nonexistent', dbFile: '/nonexistent/ledger.db', source: 'flag'},
    actor: 'webhook-test',
    env,
    terminal: {color: false, interactive: false, stdoutIsTty: false},
    now: clock.now,
    note: () => undefined,
    warn: () => undefined,
  }
}

/** The YMS side of the scenario and the Stripe provider, as `sites import`, `customers import`, `providers add` leave them. */
function* seed(): Ops<void> {
  const gateway = world.sandbox.gateways.find((g) => g.kind === 'stripe')!
  yield* upsertSites.ops(scenario.sites.map((s) => ({id: s.id, name: s.name, currency: s.currency})))
  yield* upsertCustomers.ops(
    scenario.customers.map((c) => ({id: c.id, site: c.site, segment: c.segment, refs: {stripe: c.refs.stripe!}})),
  )
  yield* insertProvider.ops({id: 'stripe', kind: 'stripe', baseUrl: gateway.baseUrl, settings: gateway.settings})
  for (const segment of ['retail', 'wholesale'])
    yield* addGrant.ops({provider: 'stripe', segment, site: '*', access: 'write'})
}

function hooksOf(payments: readonly ScenarioPayment[], base: string): SignedWebhook[] {
  const events = scenarioEvents(payments).sort((a, b) => a.at.localeCompare(b.at))
  return world.emulators.get('stripe')!.webhooks(events, `${base}/webhooks/stripe`)
}

async function post(base: string, path: string, hook: Pick<SignedWebhook, 'headers' | 'body'>) {
  const res = await request(`${base}${path}`, {
    method: 'POST',
    headers: hook.headers,
    body: hook.body,
    dispatcher: agent,
  })
  return {status: res.statusCode, body: await res.body.text()}
}

const count = (handle: LedgerHandle, sql: string, params: unknown[] = []) =>
  handle.read(value<number>(sql, params)).then(Number)

/** Until no stored event waits for its objects to be read (each server's fetcher runs after its commits). */
async function fetchesSettled(handle: LedgerHandle, timeoutMs = 20_000): Promise<void> {
  const until = Date.now() + timeoutMs
  for (;;) {
    const n = await count(handle, `SELECT COUNT(*) FROM webhook_events WHERE status = 'fetching'`)
    if (n === 0) return
    if (Date.now() > until) throw new Error(`${n} webhook events still fetching after ${timeoutMs} ms`)
    await new Promise((r) => setTimeout(r, 20))
  }
}

/** The chosen payments' transactions as stored, against the sandbox's truth at the clock's time. */
async function truthComparison(handle: LedgerHandle, payments: readonly ScenarioPayment[]) {
  const emulator = world.emulators.get('stripe')!
  const ids = new Set(payments.map((p) => emulator.externalId('payment', p.key)))
  const stored = (await handle.read(storedTransactions.ops('stripe'))).map((s) => s.txn)
  const mine = (id: string, parent: string | null) => ids.has(id) || (parent !== null && ids.has(parent))
  const actual = stored.filter((t) => mine(t.externalId, t.parentExternalId))
  const truth = expectedTransactions(scenario, emulator, 'own', clock.iso()).filter((t) =>
    mine(t.externalId, t.parentExternalId),
  )
  return compareWithTruth(actual, truth)
}

/** What the server left, as rows, for comparing one engine's ledger with the other's. */
function* ledgerRows() {
  const rows = (sql: string) => all(sql)
  return denseSeqs({
    transactions: yield* rows('SELECT * FROM transactions ORDER BY id'),
    states: yield* rows('SELECT * FROM transaction_states ORDER BY txn_id, version'),
    postings: yield* rows('SELECT * FROM ledger_postings ORDER BY txn_seq, version, account, currency'),
    balances: yield* rows('SELECT * FROM ledger_balances ORDER BY account, currency, site'),
    quarantine: yield* rows('SELECT * FROM quarantine ORDER BY id'),
    events: yield* rows(
      `SELECT id, provider, dedup_key, received_at, committed_at, commit_ms, deliveries, last_delivery_at, status,
         summary, events_json, applied_json, fetch_attempts, next_fetch_at, error FROM webhook_events ORDER BY id`,
    ),
    calls: yield* rows('SELECT provider, endpoint, method, status, outcome, attempt FROM gateway_calls ORDER BY id'),
    audit: yield* rows('SELECT * FROM audit_log ORDER BY seq'),
  })
}

/**
 * The main flow on one engine. Each delivery is answered, and its objects read, before the next is sent: the order
 * of commits is then the same on every run and engine, so the two ledgers can be compared row for row.
 */
async function serveScenario(h: HandleUnderTest, ctx: AppContext) {
  const {handle} = h
  await handle.write(seed())
  const server = await startWebhookServer(handle, ctx, {port: 0})
  servers.push(server)
  const hooks = hooksOf(chosen, server.url)
  const answers: Array<{status: number; body: string}> = []
  for (const hook of hooks) {
    answers.push(await post(server.url, '/webhooks/stripe', hook))
    await fetchesSettled(handle)
  }
  // A redelivery of a stored event, twice; refusals: a tampered body, an unknown provider.
  const again = [
    await post(server.url, '/webhooks/stripe', hooks[0]!),
    await post(server.url, '/webhooks/stripe', hooks[0]!),
  ]
  const tampered = {...hooks[1]!, body: hooks[1]!.body.replace('"livemode": false', '"livemode": true')}
  const refused = [
    await post(server.url, '/webhooks/stripe', tampered),
    await post(server.url, '/webhooks/nobody', hooks[1]!),
  ]
  const stats = await server.close()

  // The vip payment was denied; given a grant, `webhooks replay` applies its event and reads its charge again.
  const vipCharge = world.emulators.get('stripe')!.externalId('payment', vipPayment.key)
  const denied = await handle.read(
    all<{id: number}>(`SELECT id FROM webhook_events WHERE events_json LIKE ? ORDER BY id LIMIT 1`, [`%${vipCharge}%`]),
  )
  await handle.write(addGrant.ops({provider: 'stripe', segment: WITHHELD, site: '*', access: 'write'}))
  const replay = await replayWebhookEvent(handle, ctx, denied[0]!.id)
  const list = await handle.read(listWebhookEventViews.ops({limit: 200, raw: true}))
  return {hooks, answers, again, refused, stats, replay, list, rows: await handle.read(ledgerRows())}
}

describe.each(engines)('webhooks serve on $engine', (engine) => {
  it.skipIf(engine.skip !== undefined)(
    'verifies, commits before the 2xx, applies a redelivery once, reads what thin events name, lists and replays',
    async () => {
      const h = await open(engine)
      const ctx = context()
      const r = await serveScenario(h, ctx)

      expect(r.hooks.length).toBeGreaterThan(chosen.length) // refunds and disputes have events of their own
      for (const a of r.answers)
        expect(a).toEqual({status: 200, body: JSON.stringify({received: true, duplicate: false})})
      for (const a of r.again) expect(a).toEqual({status: 200, body: JSON.stringify({received: true, duplicate: true})})
      expect(r.refused.map((a) => a.status)).toEqual([401, 404])
      expect(r.stats).toMatchObject({accepted: r.hooks.length, duplicates: 2, refused: {401: 1, 404: 1}, forced: 0})

      // One row per event, the redelivered one counted three times; every thin event's charge read.
      expect(r.list).toHaveLength(r.hooks.length)
      expect(r.list.every((e) => e.status === 'applied')).toBe(true)
      expect(r.list.find((e) => e.dedupKey === r.hooks[0]!.dedupId)).toMatchObject({deliveries: 3})
      expect(r.list.find((e) => e.dedupKey === r.hooks[0]!.dedupId)!.body).toBe(r.hooks[0]!.body)
      expect(r.rows.calls.filter((c) => c.endpoint !== null).length).toBeGreaterThan(0)

      // The replay applied the payment the grant now allows, and read its charge again.
      expect(r.replay.applied.inserted + r.replay.applied.updated).toBeGreaterThan(0)
      expect(r.replay.fetch).toEqual({ok: true, error: null})

      // The ledger holds what the gateway holds for these payments, and balances.
      const comparison = await truthComparison(h.handle, chosen)
      expect(comparison.ok, formatComparison(comparison)).toBe(true)
      expect(await count(h.handle, `SELECT COUNT(*) FROM quarantine WHERE status = 'open'`)).toBe(0)
      expect(await h.handle.read(verifyAudit.ops())).toMatchObject({ok: true})
      const actions = r.rows.audit.map((a) => a.action)
      for (const action of ['webhook.received', 'webhook.fetched', 'webhook.refused', 'webhook.replay'])
        expect(actions, action).toContain(action)
      const refusals = r.rows.audit.filter((a) => a.action === 'webhook.refused')
      expect(refusals.map((a) => (JSON.parse(a.details_json as string) as {status: number}).status).sort()).toEqual([
        401, 404,
      ])
    },
    60_000,
  )
})

describe.skipIf(postgres.skip !== undefined)('webhooks serve, engine against engine', () => {
  it('leaves the same ledger, row for row', async () => {
    const [sqlite, pg] = [engines.find((e) => e.engine === 'sqlite')!, engines.find((e) => e.engine === 'postgres')!]
    // Commits on the server's thread on both (the writer thread's clock runs on from the test's by a few ms).
    const ctx = {...context(), env: {...context().env, YMS_PAY_SYNC_WORKER: '0'}}
    const a = await serveScenario(await open(sqlite), ctx)
    const b = await serveScenario(await open(pg), ctx)
    expect(b.answers).toEqual(a.answers)
    expect(b.replay).toEqual(a.replay)
    expect(b.list).toEqual(a.list)
    for (const table of Object.keys(a.rows) as Array<keyof typeof a.rows>)
      expect(b.rows[table], table).toEqual(a.rows[table])
  }, 90_000)
})

describe.each(engines)('two webhook servers on one $engine ledger', (engine) => {
  it.skipIf(engine.skip !== undefined)(
    'given the same deliveries at once, each event is applied once, its objects read once, every delivery answered 2xx',
    async () => {
      const h = await open(engine)
      const ctx = context()
      await h.handle.write(seed())
      await h.handle.write(addGrant.ops({provider: 'stripe', segment: WITHHELD, site: '*', access: 'write'}))
      const servers2 = [
        await startWebhookServer(h.handle, ctx, {port: 0}),
        await startWebhookServer(h.another(), ctx, {port: 0}),
      ]
      servers.push(...servers2)
      const [a, b] = servers2.map((s) => s.url) as [string, string]
      const payments = stripePayments.slice(0, 24)
      const hooks = hooksOf(payments, a)
      // Every delivery to both at once, in opposite orders: each server's groups meet the other's mid-transaction.
      const answers = await Promise.all([
        ...hooks.map((hook) => post(a, '/webhooks/stripe', hook)),
        ...[...hooks].reverse().map((hook) => post(b, '/webhooks/stripe', hook)),
      ])
      expect(answers.filter((x) => x.status !== 200)).toEqual([])
      const fresh = answers.filter((x) => x.body === JSON.stringify({received: true, duplicate: false}))
      expect(fresh).toHaveLength(hooks.length)
      await fetchesSettled(h.handle)
      const [sa, sb] = await Promise.all(servers2.map((s) => s.close()))
      expect(sa!.accepted + sb!.accepted).toBe(hooks.length)
      expect(sa!.duplicates + sb!.duplicates).toBe(hooks.length)

      const events = await h.handle.read(
        all<{deliveries: number; status: string; fetch_attempts: number}>(
          'SELECT deliveries, status, fetch_attempts FROM webhook_events',
        ),
      )
      expect(events).toHaveLength(hooks.length)
      expect(events.every((e) => Number(e.deliveries) === 2 && e.status === 'applied')).toBe(true)
      const fetched = await count(h.handle, `SELECT COUNT(*) FROM audit_log WHERE action = 'webhook.fetched'`)
      const thin = events.filter((e) => Number(e.fetch_attempts) > 0).length
      expect(thin).toBeGreaterThan(0)
      // PostgreSQL's fetchers claim what they read (SKIP LOCKED); SQLite's two connections may both read one event,
      // which applies nothing twice either (the same state again changes nothing).
      if (engine.engine === 'postgres') {
        expect(events.every((e) => Number(e.fetch_attempts) <= 1)).toBe(true)
        expect(fetched).toBe(thin)
      } else expect(fetched).toBeGreaterThanOrEqual(thin)

      const comparison = await truthComparison(h.handle, payments)
      expect(comparison.ok, formatComparison(comparison)).toBe(true)
      // Every transaction's postings balance, version by version.
      expect(
        await count(
          h.handle,
          `SELECT COUNT(*) FROM (SELECT txn_id, version, currency FROM ledger_postings
             GROUP BY txn_id, version, currency HAVING SUM(amount_minor) <> 0) AS unbalanced`,
        ),
      ).toBe(0)
      expect(await h.handle.read(verifyAudit.ops())).toMatchObject({ok: true})
    },
    90_000,
  )
})
