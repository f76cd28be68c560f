import {afterEach, describe, expect, it} from 'vitest'

import {MAX_WINDOW_MS} from '../../../src/gateways/paypal/pull.js'
import {injectFaults} from '../../../src/sandbox/faults.js'
import {generateScenario} from '../../../src/sandbox/generate.js'
import {compareWithTruth, expectedTransactions, formatComparison} from '../../../src/sandbox/truth.js'
import {fakeClock} from './helpers.js'
import {impliedBalances, netOf} from './balance.js'
import {customerTxns, type Harness, startHarness, syncOnce} from './harness.js'

const HOUR = 3_600_000
let harness: Harness | null = null
afterEach(async () => {
  await harness?.close()
  harness = null
})

function windowsOf(h: Harness): {start: number; end: number}[] {
  const seen = new Map<string, {start: number; end: number}>()
  for (const r of h.requests) {
    if (r.path !== '/v1/reporting/transactions') continue
    const start = Date.parse(r.query.get('start_date')!)
    const end = Date.parse(r.query.get('end_date')!)
    seen.set(`${start}-${end}`, {start, end})
  }
  return [...seen.values()]
}

describe('PayPal sync', () => {
  it('walks a 70-day range as ≤31-day windows and matches the scenario truth', async () => {
    const scenario = generateScenario({
      seed: 7,
      customers: 400,
      transactions: 5_000,
      start: '2025-01-01T00:00:00.000Z',
      end: '2025-03-12T00:00:00.000Z',
      gateways: ['paypal'],
    })
    // A day before the end, so some payments are still pending.
    const clock = fakeClock('2025-03-11T00:00:00.000Z')
    harness = await startHarness({scenario, share: 'own', clock})
    const run = await syncOnce(harness.client, null, scenario.start)

    const windows = windowsOf(harness)
    expect(windows.length).toBe(3)
    for (const w of windows) expect(w.end - w.start).toBeLessThanOrEqual(MAX_WINDOW_MS)
    expect(Math.min(...windows.map((w) => w.start))).toBe(Date.parse(scenario.start))
    expect(Math.max(...windows.map((w) => w.end))).toBe(clock.now())
    // Consecutive windows share their boundary: no instant falls between two windows.
    const sorted = windows.sort((a, b) => a.start - b.start)
    for (let i = 1; i < sorted.length; i++) expect(sorted[i]!.start).toBe(sorted[i - 1]!.end)
    // Several pages of 500 per window were needed, so paging is exercised.
    expect(harness.requests.filter((r) => r.query.get('page') === '2').length).toBeGreaterThan(0)

    expect(run.invalid).toEqual([])
    const truth = expectedTransactions(scenario, harness.emulator, 'own', new Date(clock.now()).toISOString())
    expect(truth.some((t) => t.type === 'dispute' && t.status === 'won')).toBe(true)
    expect(truth.some((t) => t.status === 'pending')).toBe(true)
    const result = compareWithTruth(customerTxns(run.items), truth)
    expect(result.ok, formatComparison(result)).toBe(true)

    // Merchant-level rows (withdrawals, chargeback fees) are booked without a customer, and together with the
    // customer transactions they account for exactly what the emulated account holds.
    const merchant = run.items.filter((t) => !customerTxns([t]).length)
    expect(new Set(merchant.map((t) => `${t.type}:${t.metadata.yms_booking}`))).toEqual(
      new Set(['payout:T0400', 'fee:T0106']),
    )
    expect(merchant.every((t) => t.customerRef === null && t.siteRef === null)).toBe(true)
    expect(impliedBalances(run.items)).toEqual(
      harness.emulator
        .processorBalance()
        .map(netOf)
        .filter((b) => b.minor !== 0),
    )
    // Dispute holds, their releases and chargeback movements are seen and listed, not posted.
    expect(new Set(run.skipped.map((s) => `${s.code}:${s.reason}`))).toEqual(
      new Set([
        'T1110:hold',
        'T1111:hold',
        'T1106:dispute_movement',
        'T1201:dispute_movement',
        'T1202:dispute_movement',
      ]),
    )
    // One token for the whole run.
    expect(harness.emulator.tokensIssued()).toBe(1)
  })

  it('catches a row that appears late (within 3 h) and a pending payment that settles, on the next run', async () => {
    const scenario = generateScenario({
      seed: 21,
      customers: 200,
      transactions: 3_000,
      start: '2025-01-01T00:00:00.000Z',
      end: '2025-02-10T00:00:00.000Z',
      gateways: ['paypal'],
    })
    const t1 = '2025-02-01T00:00:00.000Z'
    const clock = fakeClock(t1)
    harness = await startHarness({scenario, share: 'own', clock, lateMs: 2 * HOUR})
    const first = await syncOnce(harness.client, null, scenario.start)
    const truthAtT1 = expectedTransactions(scenario, harness.emulator, 'own', t1)
    const missedFirst = compareWithTruth(first.items, truthAtT1).missing
    // The late rows really were invisible at t1, so the next check can fail.
    expect(missedFirst.length).toBeGreaterThan(0)

    clock.advance(2 * HOUR + 60_000)
    const second = await syncOnce(harness.client, first.cursor)
    const all = [...first.items, ...second.items]
    const now = new Date(clock.now()).toISOString()
    // Everything visible at the second run must be there, in its state at the second run.
    const truthNow = expectedTransactions(scenario, harness.emulator, 'own', now)
    const lateNow = Date.parse(now) - 2 * HOUR
    const dateOf = new Map<string, string>()
    for (const p of scenario.payments) {
      dateOf.set(harness.emulator.externalId('payment', p.key), p.createdAt)
      for (const r of p.refunds) dateOf.set(harness.emulator.externalId('refund', r.key), r.at)
    }
    // Rows dated within the last 2 h are not visible yet (lateMs); disputes come from their own API.
    const visible = truthNow.filter((t) => t.type === 'dispute' || Date.parse(dateOf.get(t.externalId)!) <= lateNow)
    // In particular every row the first run could not see yet.
    const found = new Set(all.map((t) => t.externalId))
    expect(missedFirst.filter((m) => !found.has(m.externalId))).toEqual([])
    const result = compareWithTruth(all, visible)
    expect(result.missing, formatComparison(result)).toEqual([])
    expect(result.mismatched, formatComparison(result)).toEqual([])
    // The second run re-read from (t1 − 3 h) or earlier (pending payments), not from t1.
    const secondStarts = harness.requests
      .filter((r) => r.path === '/v1/reporting/transactions')
      .map((r) => Date.parse(r.query.get('start_date')!))
      .filter((s) => s >= Date.parse(scenario.start) + 1000)
    expect(Math.min(...secondStarts)).toBeLessThanOrEqual(Date.parse(t1) - 3 * HOUR)
  })

  it('re-reads an old window while a payment in it is still pending, so its settlement is seen', async () => {
    const scenario = generateScenario({
      seed: 5,
      customers: 100,
      transactions: 2_000,
      start: '2025-01-01T00:00:00.000Z',
      end: '2025-02-01T00:00:00.000Z',
      gateways: ['paypal'],
    })
    // A payment pending at t1 that settles more than 3 h later.
    const t1Ms = Date.parse('2025-01-20T00:00:00.000Z')
    const pending = scenario.payments.find(
      (p) =>
        p.outcome === 'succeeded' &&
        p.settledAt &&
        Date.parse(p.createdAt) < t1Ms - 6 * HOUR &&
        Date.parse(p.settledAt) > t1Ms,
    )
    expect(pending).toBeDefined()
    const clock = fakeClock(new Date(t1Ms).toISOString())
    harness = await startHarness({scenario, share: 'own', clock})
    const first = await syncOnce(harness.client, null, scenario.start)
    const id = harness.emulator.externalId('payment', pending!.key)
    expect(first.items.find((t) => t.externalId === id)?.status).toBe('pending')
    clock.set(new Date(Date.parse(pending!.settledAt!) + HOUR).toISOString())
    const second = await syncOnce(harness.client, first.cursor)
    expect(second.items.filter((t) => t.externalId === id).map((t) => t.status)).toContain('succeeded')
  })

  it('rejects windows over 31 days like PayPal (the adapter never sends one)', async () => {
    const scenario = generateScenario({
      seed: 1,
      customers: 10,
      transactions: 10,
      start: '2025-01-01T00:00:00.000Z',
      end: '2025-01-02T00:00:00.000Z',
      gateways: ['paypal'],
    })
    const clock = fakeClock('2025-03-01T00:00:00.000Z')
    harness = await startHarness({scenario, share: 'own', clock})
    await syncOnce(harness.client, null, '2025-01-01T00:00:00Z')
    const tokenRes = await harness.emulator.handle({
      method: 'POST',
      path: '/v1/oauth2/token',
      query: new URLSearchParams(),
      headers: {
        authorization: `Basic ${Buffer.from(`${harness.emulator.secrets.client_id}:${harness.emulator.secrets.client_secret}`).toString('base64')}`,
      },
      rawBody: Buffer.from('grant_type=client_credentials'),
    })
    const token = (JSON.parse(String(tokenRes.body)) as {access_token: string}).access_token
    const res = await harness.emulator.handle({
      method: 'GET',
      path: '/v1/reporting/transactions',
      query: new URLSearchParams({start_date: '2025-01-01T00:00:00Z', end_date: '2025-02-01T00:00:01Z'}),
      headers: {authorization: `Bearer ${token}`},
      rawBody: Buffer.alloc(0),
    })
    expect(res.status).toBe(400)
    expect(JSON.parse(String(res.body))).toMatchObject({
      name: 'INVALID_REQUEST',
      details: [{field: 'start_date', issue: 'INVALID_DATE_RANGE'}],
    })
    expect(windowsOf(harness).every((w) => w.end - w.start <= MAX_WINDOW_MS)).toBe(true)
  })

  it('stays complete under faults (rate 0.1: 500, 429, timeouts, resets, truncation, duplicates)', async () => {
    const scenario = generateScenario({
      seed: 9,
      customers: 300,
      transactions: 2_500,
      start: '2025-01-01T00:00:00.000Z',
      end: '2025-02-20T00:00:00.000Z',
      gateways: ['paypal'],
    })
    const clock = fakeClock('2025-02-20T00:00:00.000Z')
    let injector: ReturnType<typeof injectFaults> | null = null
    harness = await startHarness(
      {scenario, share: 'own', clock},
      {
        wrap: (emulator) =>
          (injector = injectFaults(emulator, {
            spec: {rate: 0.1, kinds: ['500', '429', 'timeout', 'reset', 'truncated', 'duplicate']},
            seed: 3,
            holdMs: 2_000,
          })).handler,
        http: {timeoutMs: 300, maxRetries: 3, circuitFailureThreshold: 1_000},
      },
    )
    const run = await syncOnce(harness.client, null, scenario.start, 200)
    injector!.release()
    const counts = injector!.counts
    expect(Object.values(counts).reduce((a, b) => a + b, 0)).toBeGreaterThan(0)
    expect(harness.calls.some((c) => c.outcome !== 'ok')).toBe(true)
    const result = compareWithTruth(
      customerTxns(run.items),
      expectedTransactions(scenario, harness.emulator, 'own', new Date(clock.now()).toISOString()),
    )
    expect(result.ok, formatComparison(result)).toBe(true)
    expect(impliedBalances(run.items)).toEqual(
      harness.emulator
        .processorBalance()
        .map(netOf)
        .filter((b) => b.minor !== 0),
    )
    expect(run.invalid).toEqual([])
  })
})
