import {afterEach, beforeEach, describe, expect, it, vi} from 'vitest'

import {flushAlerts} from '../../../src/services/alerts/flush.js'
import {startAlertDelivery} from '../../../src/services/alerts/loop.js'
import {raiseAlert} from '../../../src/services/alerts/raise.js'
import {MAX_ATTEMPTS, RETRY_DELAYS_MS} from '../../../src/services/alerts/schedule.js'
import {addAlertTarget, enableAlertTarget} from '../../../src/services/alerts/targets.js'
import {acquireLease} from '../../../src/store/repos/leases.js'
import {addStandardTarget, alertReceiver, alertsHome, secretOf} from './helpers.js'
import {sqliteHandle} from '../../../src/store/ops/ledger-handle.js'

const T0 = Date.parse('2026-03-01T12:00:00.000Z')
const SECRET = secretOf(9)
const cleanups: Array<() => unknown> = []

beforeEach(() => {
  // Only Date: the receiver verifies timestamps with the real library against this clock; timers stay real.
  vi.useFakeTimers({toFake: ['Date']})
  vi.setSystemTime(T0)
})
afterEach(async () => {
  vi.useRealTimers()
  while (cleanups.length > 0) await cleanups.pop()!()
})

async function setUp(answer?: Parameters<typeof alertReceiver>[1]) {
  const h = alertsHome()
  const rx = await alertReceiver([SECRET], answer)
  cleanups.push(h.cleanup, rx.close)
  await addStandardTarget(h, 'ops', rx.url, SECRET)
  return {...h, rx}
}

type Home = Awaited<ReturnType<typeof setUp>>

function raiseBalance(h: Home, customer: string, n: number) {
  raiseAlert(h.db, {
    event: 'balance_changed',
    subject: customer,
    customer,
    site: 'berlin',
    data: {n},
    at: new Date(Date.now()).toISOString(),
  })
}

/** Flushes as cron would, moving the clock to each next attempt, until nothing waits (or `rounds` runs). */
async function flushUntilSettled(h: Home, rounds = 60) {
  let last = await flushAlerts(sqliteHandle(h.db), h.ctx, {secrets: h.store})
  for (let i = 0; i < rounds && last.pending > 0; i++) {
    vi.setSystemTime(Math.max(Date.now(), Date.parse(last.nextAttemptAt!)))
    last = await flushAlerts(sqliteHandle(h.db), h.ctx, {secrets: h.store})
  }
  return last
}

const messageIds = (h: Home) =>
  h.db.raw.prepare('SELECT message_id FROM alerts_outbox ORDER BY seq').pluck().all() as string[]

describe('alert delivery', () => {
  it('a receiver that fails the first N deliveries still gets every alert exactly once, in order per customer, signed', async () => {
    const FAILURES = 7
    const h = await setUp((i) => ({status: i < FAILURES ? 503 : 200}))
    for (let n = 0; n < 4; n++) for (const c of ['c1', 'c2', 'c3']) raiseBalance(h, c, n)
    raiseAlert(h.db, {event: 'gateway_down', subject: 'p1', provider: 'p1', data: {}, at: new Date().toISOString()})

    const last = await flushUntilSettled(h)
    expect(last.pending).toBe(0)
    expect(h.rx.received.length).toBe(13 + FAILURES)
    expect(h.rx.received.every((r) => r.verified)).toBe(true)
    const accepted = h.rx.accepted()
    // Exactly once: every raised alert accepted, none twice; a failed attempt's id is the one retried.
    expect(accepted.map((r) => r.id).sort()).toEqual(messageIds(h).sort())
    const failedIds = h.rx.received.filter((r) => r.status === 503).map((r) => r.id)
    for (const id of failedIds) expect(accepted.map((r) => r.id)).toContain(id)
    // In order per customer, whatever order the customers were interleaved in.
    for (const c of ['c1', 'c2', 'c3']) {
      const seen = accepted.filter((r) => r.payload?.data.customer === c).map((r) => r.payload?.data.n)
      expect(seen, c).toEqual([0, 1, 2, 3])
    }
    expect(accepted.find((r) => r.payload?.type === 'gateway_down')?.payload?.data).toMatchObject({provider: 'p1'})
  })

  it("retries on Svix's schedule, honours a longer Retry-After, and gives up (audited) after the last attempt", async () => {
    const h = await setUp((i) => (i === 0 ? {status: 429, headers: {'retry-after': '120'}} : {status: 503}))
    raiseBalance(h, 'c1', 0)
    const first = await flushAlerts(sqliteHandle(h.db), h.ctx, {secrets: h.store})
    expect(first).toMatchObject({attempted: 1, retrying: 1, pending: 1})
    // 120 s asked, more than the schedule's 5 s.
    expect(Date.parse(first.nextAttemptAt!) - T0).toBe(120_000)
    const gaps: number[] = []
    let last = first
    while (last.pending > 0) {
      const at = Date.parse(last.nextAttemptAt!)
      gaps.push(at - Date.now())
      vi.setSystemTime(at)
      last = await flushAlerts(sqliteHandle(h.db), h.ctx, {secrets: h.store})
    }
    expect(last.gaveUp).toBe(1)
    expect(h.rx.received).toHaveLength(MAX_ATTEMPTS)
    expect(gaps).toEqual([120_000, ...RETRY_DELAYS_MS.slice(1)])
    const audit = h.db.raw
      .prepare(`SELECT subject, outcome, details_json FROM audit_log WHERE action = 'alert.delivery_failed'`)
      .all() as Array<{subject: string; outcome: string; details_json: string}>
    expect(audit).toHaveLength(1)
    expect(JSON.parse(audit[0]!.details_json)).toMatchObject({attempts: MAX_ATTEMPTS, lastError: 'HTTP 503'})
  })

  it('410 Gone disables the target (audited) without spending an attempt; enabled again, its alerts go out', async () => {
    let gone = true
    const h = await setUp(() => ({status: gone ? 410 : 200}))
    raiseBalance(h, 'c1', 0)
    raiseBalance(h, 'c1', 1)
    const r = await flushAlerts(sqliteHandle(h.db), h.ctx, {secrets: h.store})
    expect(r).toMatchObject({disabled: ['ops'], pending: 0, pendingDisabled: 2})
    expect(h.rx.received).toHaveLength(1)
    expect(h.db.raw.prepare(`SELECT enabled, disabled_reason FROM alert_targets`).get()).toMatchObject({
      enabled: 0,
      disabled_reason: expect.stringContaining('410'),
    })
    expect(
      h.db.raw.prepare(`SELECT COUNT(*) FROM audit_log WHERE action = 'alert.target_disabled'`).pluck().get(),
    ).toBe(1)
    // Alerts raised while it is disabled are not queued for it.
    raiseBalance(h, 'c2', 0)
    expect(h.db.raw.prepare('SELECT COUNT(*) FROM alert_deliveries').pluck().get()).toBe(2)

    gone = false
    await enableAlertTarget(sqliteHandle(h.db), h.ctx, 'ops', h.store)
    const again = await flushAlerts(sqliteHandle(h.db), h.ctx, {secrets: h.store})
    expect(again).toMatchObject({delivered: 2, pending: 0})
    expect(h.rx.accepted().map((d) => d.payload?.data.n)).toEqual([0, 1])
    expect(h.db.raw.prepare('SELECT attempts FROM alert_deliveries').pluck().all()).toEqual([1, 1])
  })

  it('a target whose secret is missing is set aside with the reason: no attempt spent, nothing sent', async () => {
    const h = await setUp()
    raiseBalance(h, 'c1', 0)
    h.store.delete('alert:ops', 'secret')
    const r = await flushAlerts(sqliteHandle(h.db), h.ctx, {secrets: h.store})
    expect(r.attempted).toBe(0)
    expect(r.blocked).toEqual([{target: 'ops', reason: expect.stringContaining('YMS_PAY_SECRET_ALERT_OPS_SECRET')}])
    expect(h.rx.received).toHaveLength(0)
    expect(h.db.raw.prepare('SELECT attempts, status FROM alert_deliveries').get()).toEqual({
      attempts: 0,
      status: 'pending',
    })
  })

  it('a slack target gets the alert in words, unsigned, with &, < and > escaped', async () => {
    const h = alertsHome()
    const rx = await alertReceiver([])
    cleanups.push(h.cleanup, rx.close)
    await addAlertTarget(
      sqliteHandle(h.db),
      h.ctx,
      {id: 'oncall', format: 'slack', url: null, secrets: {url: rx.url}},
      h.store,
    )
    raiseAlert(h.db, {
      event: 'sync_failed',
      subject: 'p1',
      provider: 'p1',
      data: {error: 'credentials refused <401> & more', code: 'auth_refused'},
      at: new Date().toISOString(),
    })
    expect(await flushAlerts(sqliteHandle(h.db), h.ctx, {secrets: h.store})).toMatchObject({delivered: 1})
    const [got] = rx.received
    expect(got!.headers['webhook-signature']).toBeUndefined()
    expect(JSON.parse(got!.body)).toEqual({
      text: ':warning: *Sync failed* for p1: credentials refused &lt;401&gt; &amp; more (auth_refused)',
    })
  })

  it('only one process delivers at a time: another holder of the lease makes a flush report busy', async () => {
    const h = await setUp()
    raiseBalance(h, 'c1', 0)
    acquireLease(h.db, 'alerts:deliver', 'someone-else', 60_000)
    const r = await flushAlerts(sqliteHandle(h.db), h.ctx, {secrets: h.store})
    expect(r).toMatchObject({busy: 'someone-else', attempted: 0, pending: 1})
  })

  it('the continuous loop delivers new alerts as they are raised, retries when due, and stops when told', async () => {
    const h = await setUp((i) => ({status: i === 0 ? 500 : 200}))
    const stop = new AbortController()
    const loop = startAlertDelivery(sqliteHandle(h.db), h.ctx, {stop: stop.signal, pollMs: 20, secrets: h.store})
    raiseBalance(h, 'c1', 0)
    await vi.waitFor(() => expect(h.rx.received).toHaveLength(1), {timeout: 3000})
    raiseBalance(h, 'c1', 1)
    // The retry of the first is due in 5 s; the second waits behind it (same customer).
    await new Promise((r) => setTimeout(r, 100))
    expect(h.rx.received).toHaveLength(1)
    vi.setSystemTime(T0 + RETRY_DELAYS_MS[0]!)
    await vi.waitFor(() => expect(h.rx.accepted()).toHaveLength(2), {timeout: 3000})
    expect(h.rx.accepted().map((r) => r.payload?.data.n)).toEqual([0, 1])
    stop.abort()
    await loop.stopped
  })
})
