import {afterAll, beforeAll, describe, expect, it} from 'vitest'
import {z} from 'zod'

import {paymentsFor, scenarioEvents} from '../../src/sandbox/model.js'
import {startWebhookServer} from '../../src/services/webhooks/serve.js'
import {openHomeLedger} from '../helpers/home-ledger.js'
import {createSyncWorld, manualClock, WORLD_END, worldScenario, type SyncWorld} from '../helpers/sync-world.js'
import {fetchesSettled} from '../services/webhooks/world.js'
import {run} from './helpers.js'
import {ApplyCounts as Counts, AuditList, ErrorJson, Iso} from './shapes.js'

const WebhookEvent = z.strictObject({
  id: z.number().int(),
  provider: z.string(),
  dedupKey: z.string(),
  receivedAt: Iso,
  committedAt: Iso,
  commitMs: z.number().int(),
  deliveries: z.number().int(),
  lastDeliveryAt: Iso,
  status: z.enum(['applied', 'fetching', 'failed']),
  summary: z.string(),
  applied: Counts,
  fetchAttempts: z.number().int(),
  nextFetchAt: z.string().nullable(),
  error: z.string().nullable(),
  body: z.string().optional(),
})
const WebhookList = z.strictObject({events: z.array(WebhookEvent)})
const Replay = z.strictObject({
  id: z.number().int(),
  provider: z.string(),
  applied: Counts,
  fetch: z.strictObject({ok: z.boolean(), error: z.string().nullable()}).nullable(),
})

// The provider may write retail and wholesale customers only: a vip's payment arrives by webhook and is quarantined
// (access denied) until a grant and a replay.
describe('webhooks list / replay', () => {
  const clock = manualClock(WORLD_END)
  let world: SyncWorld
  let vipEvent: string
  const list = async (flags: string[]) => {
    const r = await run(['webhooks', 'list', ...flags, '--json'], {home: world.home})
    expect(r.exitCode, r.stdout + r.stderr).toBe(0)
    return WebhookList.parse(r.json()).events
  }

  beforeAll(async () => {
    world = await createSyncWorld({
      scenario: worldScenario(150, 11),
      clock,
      segments: ['retail', 'wholesale'],
    })
    const vips = new Set(world.scenario.customers.filter((c) => c.segment === 'vip').map((c) => c.id))
    const payments = paymentsFor(world.scenario, 'stripe', 'own').filter((p) => p.outcome === 'succeeded')
    const vip = payments.find((p) => vips.has(p.customer))!
    const other = payments.find((p) => !vips.has(p.customer))!
    // The server on the world's clock: Stripe signs each delivery when it sends it, by that clock.
    const ledger = await openHomeLedger(world.home, clock.now)
    const server = await startWebhookServer(ledger.handle, {...world.ctx, now: clock.now}, {port: 0})
    try {
      const hooks = world.stripe.emulator.webhooks(
        scenarioEvents([vip, other]).filter((e) => e.type === 'payment.created'),
        `${server.url}/webhooks/${world.providerId}`,
      )
      for (const hook of hooks) {
        const res = await fetch(`${server.url}/webhooks/${world.providerId}`, {
          method: 'POST',
          headers: hook.headers,
          body: hook.body,
        })
        expect(res.status).toBe(200)
      }
      vipEvent = hooks.find((h) => h.body.includes(world.stripe.emulator.externalId('payment', vip.key)))!.dedupId
      await fetchesSettled(ledger.handle) // the fee of each charge is read back
    } finally {
      await server.close()
      await ledger.close()
    }
  })
  afterAll(() => world?.close())

  it('webhooks list: one row per event, most recent first, without the body unless --raw', async () => {
    const events = await list([])
    expect(events).toHaveLength(2)
    expect(events[0]!.id).toBeGreaterThan(events[1]!.id)
    expect(events.every((e) => e.provider === world.providerId && e.deliveries === 1 && e.body === undefined)).toBe(
      true,
    )
    expect(events.map((e) => e.status)).toEqual(['applied', 'applied'])
    const raw = await list(['--raw', '--limit', '1'])
    expect(raw).toHaveLength(1)
    expect(JSON.parse(raw[0]!.body!)).toMatchObject({object: 'event', id: raw[0]!.dedupKey})
    expect(await list(['--status', 'failed'])).toEqual([])
    const unknown = await run(['webhooks', 'list', '--provider', 'nobody', '--json'], {home: world.home})
    expect(unknown.exitCode).toBe(2)
    expect(ErrorJson.parse(unknown.json()).error.message).toMatch(/--provider nobody: unknown provider/)
  })

  it('webhooks replay: after the grant, the denied payment applies; the replay is audited', async () => {
    const event = (await list([])).find((e) => e.dedupKey === vipEvent)!
    expect(event.applied.quarantined).toBeGreaterThan(0) // the payload, and the charge read back for its fee
    const before = await run(['webhooks', 'replay', String(event.id), '--json'], {home: world.home, env: world.env})
    expect(before.exitCode, before.stderr).toBe(0)
    expect(Replay.parse(before.json()).applied).toMatchObject({quarantined: 1, inserted: 0})
    const grant = await run(['providers', 'grant', world.providerId, '--segment', 'vip', '--json'], {
      home: world.home,
      env: world.env,
    })
    expect(grant.exitCode, grant.stdout + grant.stderr).toBe(0)
    const after = Replay.parse(
      (await run(['webhooks', 'replay', String(event.id), '--json'], {home: world.home, env: world.env})).json(),
    )
    expect(after).toMatchObject({id: event.id, provider: world.providerId, applied: {inserted: 1, quarantined: 0}})
    expect(after.fetch).toEqual({ok: true, error: null})
    const audit = await run(['audit', 'list', '--action', 'webhook.replay', '--json'], {home: world.home})
    expect(AuditList.parse(audit.json()).rows.map((r) => r.subject)).toEqual([
      `webhook event ${event.id}`,
      `webhook event ${event.id}`,
    ])
    const missing = await run(['webhooks', 'replay', '999999', '--json'], {home: world.home, env: world.env})
    expect(missing.exitCode).toBe(2)
    expect(ErrorJson.parse(missing.json()).error.message).toBe('no webhook event 999999')
  })
})
