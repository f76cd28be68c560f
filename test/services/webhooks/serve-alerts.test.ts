import {randomBytes} from 'node:crypto'

import {request} from 'undici'
import {afterAll, beforeAll, describe, expect, it} from 'vitest'

import {generateScenario} from '../../../src/sandbox/generate.js'
import {paymentsFor} from '../../../src/sandbox/model.js'
import {startAlertReceiver} from '../../../src/services/alerts/demo-receiver.js'
import {targetVariable} from '../../../src/services/alerts/target-secrets.js'
import {addAlertTarget} from '../../../src/services/alerts/targets.js'
import {startWebhookServer, type RunningWebhookServer} from '../../../src/services/webhooks/serve.js'
import {manualClock} from '../../helpers/sync-world.js'
import {connectAll, makeHome, startWorld, type HookHome, type HookWorld} from './world.js'
import {sqliteHandle} from '../../../src/store/ops/ledger-handle.js'

// `webhooks serve` on its own delivers the alerts its webhooks raise, while it serves (issue 12: "The watch loop and
// `webhooks serve` deliver continuously").
const scenario = generateScenario({
  seed: 5,
  customers: 12,
  transactions: 80,
  start: '2026-03-01T00:00:00.000Z',
  end: '2026-03-20T00:00:00.000Z',
  gateways: ['stripe'],
})
const clock = manualClock('2026-03-20T00:00:00.000Z')
let world: HookWorld
let h: HookHome
let receiver: Awaited<ReturnType<typeof startAlertReceiver>>
let server: RunningWebhookServer | null = null

beforeAll(async () => {
  world = await startWorld({scenario, clock, kinds: ['stripe']})
  h = await makeHome({scenario, clock})
  await connectAll(h, world)
  const secret = `whsec_${randomBytes(32).toString('base64')}`
  receiver = await startAlertReceiver(secret, clock.now)
  h.env[targetVariable('ops', 'secret')] = secret
  await addAlertTarget(sqliteHandle(h.db), h.ctx, {id: 'ops', format: 'standard', url: receiver.url, secrets: {}})
}, 60_000)

afterAll(async () => {
  await server?.close()
  await receiver?.close()
  await h?.close()
  await world?.close()
})

async function until(ok: () => boolean, what: string, timeoutMs = 15_000): Promise<void> {
  const end = Date.now() + timeoutMs
  while (!ok()) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`)
    await new Promise((r) => setTimeout(r, 50))
  }
}

/** Starts a server and posts the n-th failed Stripe payment of the world to it, as Stripe would (200 expected). */
async function serveAndPostFailed(n: number, opts: {deliverAlerts?: boolean}) {
  const failed = paymentsFor(scenario, 'stripe', 'own').filter((p) => p.outcome === 'failed')[n]
  expect(failed, `the seed has ${n + 1} failed Stripe payments`).toBeDefined()
  server = await startWebhookServer(sqliteHandle(h.db), h.ctx, {port: 0, ...opts})
  const stripe = world.emulators.get('stripe')!
  const [hook] = stripe.webhooks(
    [{at: failed!.createdAt, type: 'payment.created', payment: failed!}],
    `${server.url}/webhooks/stripe`,
  )
  const res = await request(`${server.url}/webhooks/stripe`, {method: 'POST', headers: hook!.headers, body: hook!.body})
  expect(res.statusCode).toBe(200)
  await res.body.text()
  // Raised at the commit's instant; due once the (test's) clock has moved past it, as real time always has.
  clock.set(new Date(Date.parse(clock.iso()) + 1_000).toISOString())
  return `stripe:${stripe.externalId('payment', failed!.key)}`
}

describe('webhooks serve delivers alerts', () => {
  it('a failed payment arriving by webhook reaches the alert receiver, signed, while the server runs', async () => {
    const txnId = await serveAndPostFailed(0, {deliverAlerts: true})
    await until(() => receiver.received.some((r) => r.type === 'failed_transaction'), 'failed_transaction')
    const alert = receiver.received.find((r) => r.type === 'failed_transaction')!
    expect(alert.verified).toBe(true)
    expect(alert.body).toContain(txnId)
    await server!.close()
    server = null
  })

  it('without deliverAlerts (as inside sync --watch, whose loop delivers), it raises but does not send', async () => {
    const before = receiver.received.length
    await serveAndPostFailed(1, {})
    await new Promise((r) => setTimeout(r, 1_500))
    expect(receiver.received.length).toBe(before)
    const pending = h.db.raw
      .prepare(`SELECT COUNT(*) FROM alert_deliveries WHERE status = 'pending'`)
      .pluck()
      .get() as number
    expect(pending).toBeGreaterThan(0)
    await server!.close()
    server = null
  })
})
