import {describe, expect, it} from 'vitest'

import {generateScenario} from '../../src/sandbox/generate.js'
import {extendLive} from '../../src/sandbox/live.js'
import {scenarioEvents} from '../../src/sandbox/model.js'
import {runSync} from '../../src/services/sync/sync.js'
import {openDatabase} from '../../src/store/db.js'
import {createSyncWorld, manualClock, WORLD_END, worldScenario} from '../helpers/sync-world.js'
import {sqliteHandle} from '../../src/store/ops/ledger-handle.js'

const FROM = Date.parse('2026-01-10T12:00:00.000Z')
const HOUR = 3_600_000
const history = generateScenario({
  seed: 4,
  customers: 50,
  transactions: 300,
  start: '2026-01-01T00:00:00.000Z',
  end: new Date(FROM).toISOString(),
})

describe('sandbox serve --live: a world that moves', () => {
  it('is the same world for the same seed, and another for another seed', () => {
    const a = extendLive(history, {seed: 9, perMinute: 20, from: FROM, forMs: HOUR})
    expect(extendLive(history, {seed: 9, perMinute: 20, from: FROM, forMs: HOUR})).toEqual(a)
    expect(extendLive(history, {seed: 10, perMinute: 20, from: FROM, forMs: HOUR}).payments).not.toEqual(a.payments)
  })

  it('keeps payments arriving at the rate asked, after the history, each within the horizon', () => {
    const world = extendLive(history, {seed: 9, perMinute: 60, from: FROM, forMs: HOUR})
    const live = world.payments.slice(history.payments.length)
    // A Poisson process: 3,600 expected, the standard deviation 60.
    expect(live.length).toBeGreaterThan(3_600 - 4 * 60)
    expect(live.length).toBeLessThan(3_600 + 4 * 60)
    expect(world.payments.slice(0, history.payments.length)).toEqual(history.payments)
    expect(world.end).toBe(new Date(FROM + HOUR).toISOString())
    expect(new Set(world.payments.map((p) => p.key)).size).toBe(world.payments.length)
    const events = scenarioEvents(live)
    for (const e of events) {
      expect(Date.parse(e.at)).toBeGreaterThan(FROM)
      expect(Date.parse(e.at)).toBeLessThanOrEqual(FROM + HOUR)
    }
    const kinds = new Set(events.map((e) => e.type))
    for (const type of [
      'payment.created',
      'payment.succeeded',
      'payment.failed',
      'refund.created',
      'dispute.opened',
      'dispute.closed',
    ])
      expect(kinds.has(type as never), type).toBe(true)
    for (const p of live) {
      for (const r of p.refunds) expect(r.amount.minor).toBeLessThanOrEqual(p.amount.minor)
      if (p.dispute?.closedAt) expect(p.dispute.closedAt > p.dispute.openedAt).toBe(true)
      expect(p.outcome === 'failed').toBe(p.decline !== null)
    }
  })

  it("sends each customer's live payments to the gateway their history went to", () => {
    const world = extendLive(history, {seed: 9, perMinute: 30, from: FROM, forMs: HOUR})
    const gatewayOf = new Map(history.payments.map((p) => [p.customer, p.gateway]))
    for (const p of world.payments.slice(history.payments.length))
      if (gatewayOf.has(p.customer)) expect(p.gateway, p.customer).toBe(gatewayOf.get(p.customer))
  })

  it('a sync after the clock moves finds new payments and records their sync latency', async () => {
    const scenario = extendLive(worldScenario(200), {
      seed: 3,
      perMinute: 30,
      from: Date.parse(WORLD_END),
      forMs: HOUR,
      gateways: ['stripe'],
    })
    const clock = manualClock(new Date(Date.parse(WORLD_END) + 1_000).toISOString())
    const world = await createSyncWorld({scenario, clock})
    // The ledger's clock is the world's: "new since the last run" is judged by it.
    const db = openDatabase(world.dbFile, {clock: clock.now})
    const ctx = {...world.ctx, now: clock.now}
    try {
      const signals = {stop: new AbortController().signal, abort: new AbortController().signal}
      const first = await runSync(sqliteHandle(db), ctx, {providers: [world.providerId], signals})
      expect(first.runs[0]!.status).toBe('ok')
      const samples = () => db.raw.prepare('SELECT COUNT(*) FROM sync_latency').pluck().get() as number
      const before = samples()
      clock.set(new Date(Date.parse(WORLD_END) + 10 * 60_000).toISOString())
      const second = await runSync(sqliteHandle(db), ctx, {providers: [world.providerId], signals})
      expect(second.runs[0]!.inserted).toBeGreaterThan(100)
      expect(samples() - before).toBeGreaterThan(100)
    } finally {
      db.close()
      await world.close()
    }
  })
})
