import {describe, expect, it} from 'vitest'

import type {GatewayEmulator} from '../../../src/sandbox/emulator.js'
import {extendLive} from '../../../src/sandbox/live.js'
import {paymentsFor, scenarioEvents} from '../../../src/sandbox/model.js'
import {createWebhookDelivery} from '../../../src/sandbox/webhook-delivery.js'
import {watchSync} from '../../../src/services/sync/watch.js'
import {createSyncWorld, worldScenario} from '../../helpers/sync-world.js'
import {sqliteHandle} from '../../../src/store/ops/ledger-handle.js'

/**
 * `sync --watch --webhooks-port`: the live world's webhooks land in real time through the watch loop's own server,
 * and the ones the gateway never delivers (a third, dropped here) land by the pull within one interval.
 */
const INTERVAL_MS = 2_000
const RUN_MS = 9_000

describe('sync --watch --webhooks-port', () => {
  it('webhooks give real time, the pull closes the gap a lost webhook leaves within one interval', async () => {
    const now = Date.now()
    const scenario = extendLive(worldScenario(60), {
      seed: 8,
      perMinute: 120,
      from: now,
      forMs: RUN_MS,
      gateways: ['stripe'],
    })
    const clock = {now: () => Date.now()}
    const world = await createSyncWorld({scenario, clock})
    const db = world.open()
    const stop = new AbortController()
    const live = paymentsFor(scenario, 'stripe', 'own').filter((p) => Date.parse(p.createdAt) > now)
    const lost = new Set(live.filter((_, i) => i % 3 === 0).map((p) => p.key))
    // The gateway loses every webhook about a third of the live payments.
    const losing: Pick<GatewayEmulator, 'webhooks'> = {
      webhooks: (events, url) =>
        world.stripe.emulator.webhooks(
          events.filter((e) => !lost.has(e.payment.key)),
          url,
        ),
    }
    let delivery: ReturnType<typeof createWebhookDelivery> | null = null
    try {
      const watching = watchSync(sqliteHandle(db), world.ctx, {
        providers: [world.providerId],
        intervalMs: INTERVAL_MS,
        signals: {stop: stop.signal, abort: new AbortController().signal},
        webhooks: {
          port: 0,
          onListening: (url) => {
            delivery = createWebhookDelivery({
              emulator: losing,
              events: scenarioEvents(live),
              targetUrl: `${url}/webhooks/${world.providerId}`,
              clock,
              from: new Date(now).toISOString(),
            })
            delivery.start(100)
          },
        },
      })
      await new Promise((r) => setTimeout(r, RUN_MS + INTERVAL_MS * 1.5))
      stop.abort()
      const result = await watching
      expect(result.webhooks?.accepted).toBeGreaterThan(5)

      const firstSeen = db.raw.prepare(
        `SELECT s.source, s.recorded_at AS at FROM transaction_states s JOIN transactions t ON t.seq = s.txn_seq
         WHERE t.external_id = ? ORDER BY s.version LIMIT 1`,
      )
      const arrivals = live.map((p) => ({
        p,
        first: firstSeen.get(world.stripe.emulator.externalId('payment', p.key)) as
          {source: string; at: string} | undefined,
      }))
      for (const {p, first} of arrivals) {
        expect(first, p.key).toBeDefined()
        const lag = Date.parse(first!.at) - Date.parse(p.createdAt)
        if (lost.has(p.key)) {
          expect(first!.source, p.key).toBe('pull')
          expect(lag, p.key).toBeLessThan(INTERVAL_MS * 1.1 + 1_500)
        }
      }
      // Most of what was delivered came in by webhook, well before the next pull.
      const hooked = arrivals.filter(({p, first}) => !lost.has(p.key) && first!.source === 'webhook')
      expect(hooked.length).toBeGreaterThan((live.length - lost.size) / 2)
    } finally {
      stop.abort()
      await (delivery as ReturnType<typeof createWebhookDelivery> | null)?.stop()
      db.close()
      await world.close()
    }
  }, 30_000)
})
