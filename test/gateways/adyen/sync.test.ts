import {afterAll, beforeAll, describe, expect, it} from 'vitest'

import type {NormalizedTxn} from '../../../src/core/transaction.js'
import {AuthError} from '../../../src/core/errors.js'
import {adapter as adyenAdapter} from '../../../src/gateways/adyen/client.js'
import {createAdyenEmulator} from '../../../src/sandbox/adyen/emulator.js'
import {createHttpClient} from '../../../src/gateways/http.js'
import type {GatewayClient} from '../../../src/gateways/types.js'
import type {Cursor} from '../../../src/core/cursor.js'
import {type RunningServer, serveEmulator} from '../../../src/sandbox/emulator.js'
import {generateScenario} from '../../../src/sandbox/generate.js'
import {paymentsFor, scenarioEvents} from '../../../src/sandbox/model.js'
import {compareWithTruth, type ExpectedTxn, expectedTransactions, formatComparison} from '../../../src/sandbox/truth.js'

const DAY = 86_400_000
const scenario = generateScenario({
  seed: 3,
  customers: 40,
  transactions: 900,
  start: '2024-02-20T00:00:00.000Z',
  end: '2024-05-10T00:00:00.000Z',
  gateways: ['adyen'],
})
const now = {ms: Date.parse('2024-04-19T15:30:00.000Z')}
const clock = {now: () => now.ms}
const emulator = createAdyenEmulator({scenario, share: 'own', clock})
let server: RunningServer

function connect(secrets = emulator.secrets): GatewayClient {
  const http = createHttpClient({
    provider: 'adyen-test',
    baseUrl: server.baseUrl,
    idempotencyHeader: adyenAdapter.idempotencyHeader,
    clock,
  })
  return adyenAdapter.connect(
    {providerId: 'adyen-test', baseUrl: server.baseUrl, settings: emulator.settings, secrets},
    {http, clock},
  )
}

/** The core keeps the latest state per id; so does this fold (by updatedAt, later deliveries win ties). */
function fold(into: Map<string, NormalizedTxn>, txns: readonly NormalizedTxn[]): Map<string, NormalizedTxn> {
  for (const t of txns) {
    const seen = into.get(t.externalId)
    if (!seen || seen.updatedAt <= t.updatedAt) into.set(t.externalId, t)
  }
  return into
}

async function pullAll(client: GatewayClient, start: Cursor | null) {
  let cursor = start
  const items: NormalizedTxn[] = []
  const invalid: unknown[] = []
  let pages = 0
  for (;;) {
    const page = await client.fetchPage(cursor)
    items.push(...page.items.map((i) => i.txn))
    invalid.push(...page.invalid)
    pages++
    if (!page.hasMore) {
      expect(page.next).toEqual(cursor ?? {nextBatch: 1})
      return {items, invalid, cursor: page.next, pages}
    }
    cursor = page.next
  }
}

/** The customers' side of what a pull brings: merchant-level bookings (fees, payouts, transfers) are not theirs. */
const customerSide = (txns: readonly NormalizedTxn[]): NormalizedTxn[] =>
  txns.filter((t) => t.type === 'payment' || t.type === 'refund' || t.type === 'dispute')

/** What a settlement report can say: money movements only (see src/sandbox/adyen/world.ts). */
function reportVisible(truth: readonly ExpectedTxn[]): ExpectedTxn[] {
  return truth
    .filter((t) => t.type !== 'payment' || t.status === 'succeeded')
    .map((t) => (t.type === 'dispute' && t.status === 'lost' ? {...t, status: 'disputed' as const} : t))
}

beforeAll(async () => {
  server = await serveEmulator(emulator)
})
afterAll(async () => {
  await server.close()
})

describe('adyen sync completeness over loopback', () => {
  it('the scenario exercises every case the reports and webhooks must tell apart', () => {
    const own = paymentsFor(scenario, 'adyen', 'own')
    expect(own.some((p) => p.outcome === 'failed')).toBe(true)
    expect(own.some((p) => p.settledAt !== null && p.outcome === 'succeeded')).toBe(true)
    expect(own.some((p) => p.refunds.length > 1)).toBe(true)
    expect(own.some((p) => p.dispute?.outcome === 'won')).toBe(true)
    expect(own.some((p) => p.dispute?.outcome === 'lost')).toBe(true)
    const statuses = new Set(
      expectedTransactions(scenario, emulator, 'own', new Date(now.ms).toISOString()).map(
        (t) => `${t.type}:${t.status}`,
      ),
    )
    for (const s of [
      'payment:pending',
      'payment:failed',
      'payment:succeeded',
      'refund:succeeded',
      'dispute:disputed',
      'dispute:won',
      'dispute:lost',
    ]) {
      expect(statuses.has(s), s).toBe(true)
    }
  })

  it('pulls every closed report batch and matches exactly what the reports should contain', async () => {
    const client = connect()
    await client.testConnection()
    const {items, invalid, cursor, pages} = await pullAll(client, null)
    expect(invalid).toEqual([])
    const cutoff = Math.floor(now.ms / DAY) * DAY // batches are whole UTC days; today's is not closed yet
    expect(cursor).toEqual({nextBatch: (cutoff - Date.parse(scenario.start)) / DAY + 1})
    expect(pages).toBe((cursor as {nextBatch: number}).nextBatch)
    const truth = reportVisible(expectedTransactions(scenario, emulator, 'own', new Date(cutoff - 1).toISOString()))
    const result = compareWithTruth([...fold(new Map(), customerSide(items)).values()], truth)
    expect(result.ok, formatComparison(result)).toBe(true)
    // Fees and nets come through exactly for settled payments.
    const byKey = new Map(paymentsFor(scenario, 'adyen', 'own').map((p) => [emulator.externalId('payment', p.key), p]))
    for (const t of items.filter((i) => i.type === 'payment')) {
      const p = byKey.get(t.externalId)!
      expect(t.fee).toEqual(p.fee)
      expect(t.net).toEqual({minor: p.amount.minor - p.fee.minor, currency: p.amount.currency})
    }

    // The cursor holds at the first missing batch; once the day ends, the pull resumes there.
    const again = await client.fetchPage(cursor)
    expect(again).toEqual({items: [], invalid: [], next: cursor, hasMore: false})
    now.ms = cutoff + DAY + 60_000
    try {
      const next = await pullAll(client, cursor)
      expect(next.pages).toBe(2)
      const all = fold(fold(new Map(), customerSide(items)), customerSide(next.items))
      const later = reportVisible(
        expectedTransactions(scenario, emulator, 'own', new Date(cutoff + DAY - 1).toISOString()),
      )
      const r2 = compareWithTruth([...all.values()], later)
      expect(r2.ok, formatComparison(r2)).toBe(true)
    } finally {
      now.ms = Date.parse('2024-04-19T15:30:00.000Z')
    }
  })

  it("translates the merchant's own bookings so that every closed batch balances to zero, each row its own item", async () => {
    const {items} = await pullAll(connect(), null)
    const merchantLevel = items.filter((t) => !customerSide([t]).length)
    expect(new Set(merchantLevel.map((t) => t.metadata.yms_booking))).toEqual(
      new Set(['Fee', 'InvoiceDeduction', 'DepositCorrection', 'MerchantPayout', 'Balancetransfer']),
    )
    expect(new Set(merchantLevel.map((t) => t.externalId)).size).toBe(merchantLevel.length)
    // Issue 15's convention, read back: fee and payout > 0 leave the balance, adjustment > 0 enters it.
    const effect = (t: NormalizedTxn): number => {
      if (t.type === 'fee' || t.type === 'payout') return -t.amount.minor
      if (t.type === 'adjustment') return t.amount.minor
      return t.metadata.direction === 'credit' ? t.net!.minor : -t.net!.minor
    }
    const byBatch = new Map<string, number>()
    for (const t of items) {
      const key = `${t.metadata.reportFile} ${t.amount.currency}`
      byBatch.set(key, (byBatch.get(key) ?? 0) + effect(t))
    }
    const unbalanced = [...byBatch].filter(([, total]) => total !== 0)
    expect(unbalanced).toEqual([])
    // Payments name their invoice, whether yms-pay made them (its reference) or the checkout did (invoice_column).
    const invoices = new Map(
      paymentsFor(scenario, 'adyen', 'own').map((p) => [emulator.externalId('payment', p.key), p.invoice]),
    )
    for (const t of items.filter((i) => i.type === 'payment' && invoices.get(i.externalId)))
      expect(t.invoiceRef, t.externalId).toBe(invoices.get(t.externalId))
  })

  it('tells the admin which credential to fix when the Checkout key is used for reports without the report role', async () => {
    const {report_api_key: _k, report_password: _p, ...checkoutOnly} = emulator.secrets
    const http = createHttpClient({provider: 'adyen-test', baseUrl: server.baseUrl, idempotencyHeader: null, clock})
    const client = adyenAdapter.connect(
      {
        providerId: 'adyen-test',
        baseUrl: server.baseUrl,
        settings: {merchant_account: emulator.settings.merchant_account!},
        secrets: checkoutOnly,
      },
      {http, clock},
    )
    const error = await client.fetchPage(null).catch((e: unknown) => e)
    expect(error).toBeInstanceOf(AuthError)
    expect((error as AuthError).message).toMatch(/provider adyen-test .*HTTP 403/)
    expect((error as AuthError).hint).toMatch(/report_api_key, or report_user and report_password/)
  })

  it('webhooks for the same scenario give the failures, pendings and lost disputes the reports cannot', async () => {
    const client = connect()
    const at = new Date(now.ms).toISOString()
    const events = scenarioEvents(paymentsFor(scenario, 'adyen', 'own')).filter((e) => e.at <= at)
    const webhooks = emulator.webhooks(events, 'http://127.0.0.1/hooks/adyen-test')
    const txns: NormalizedTxn[] = []
    const reports: string[] = []
    const dedup = new Set<string>()
    for (const hook of webhooks) {
      const verdict = await client.verifyWebhook({
        headers: hook.headers,
        rawBody: Buffer.from(hook.body),
        url: 'http://127.0.0.1/hooks/adyen-test',
      })
      if (!verdict.ok) throw new Error(verdict.reason)
      expect(verdict.dedupKey).toBe(hook.dedupId)
      expect(dedup.has(verdict.dedupKey)).toBe(false)
      dedup.add(verdict.dedupKey)
      for (const e of verdict.events) {
        if (e.kind === 'txn') txns.push(e.item.txn)
        else if (e.kind === 'fetch' && e.ref.object === 'report') reports.push(e.ref.id)
        else throw new Error(`unexpected event ${JSON.stringify(e)}`)
      }
    }
    const truth = expectedTransactions(scenario, emulator, 'own', at)
    expect(
      truth.some((t) => t.status === 'failed') &&
        truth.some((t) => t.status === 'pending') &&
        truth.some((t) => t.status === 'lost'),
    ).toBe(true)
    const hooked = compareWithTruth([...fold(new Map(), txns).values()], truth)
    expect(hooked.ok, formatComparison(hooked)).toBe(true)

    // Pull + webhooks together, latest state per object, is the whole truth.
    const {items} = await pullAll(client, null)
    const merged = compareWithTruth([...fold(fold(new Map(), customerSide(items)), txns).values()], truth)
    expect(merged.ok, formatComparison(merged)).toBe(true)

    // One REPORT_AVAILABLE per closed batch that holds any of these events, each downloadable.
    const closed = (Math.floor(now.ms / DAY) * DAY - Date.parse(scenario.start)) / DAY
    expect(reports.length).toBeGreaterThan(closed / 2)
    for (const f of reports) expect(Number(/batch_(\d+)\.csv$/.exec(f)![1])).toBeLessThanOrEqual(closed)
  })

  it('fetches the batch a REPORT_AVAILABLE names from the report host: the rows the pull reads for that batch', async () => {
    const client = connect()
    const fromPull = await client.fetchPage({nextBatch: 3})
    const fetched = await client.fetchObject!({object: 'report', id: 'settlement_detail_report_batch_3.csv'})
    expect(fetched.items.length).toBeGreaterThan(0)
    expect(fetched).toEqual({items: fromPull.items, invalid: fromPull.invalid, skipped: fromPull.skipped})
    // A batch whose day has not ended is not downloadable yet: an error, so the caller tries again later.
    const open = Math.floor((now.ms - Date.parse(scenario.start)) / DAY) + 1
    await expect(
      client.fetchObject!({object: 'report', id: `settlement_detail_report_batch_${open}.csv`}),
    ).rejects.toThrow(/not downloadable yet/)
    // Any other report is recorded, not read.
    expect(await client.fetchObject!({object: 'report', id: 'received_payments_report_2024_04_18.csv'})).toMatchObject({
      items: [],
      skipped: [{externalId: 'received_payments_report_2024_04_18.csv', code: 'REPORT_AVAILABLE'}],
    })
  })

  it('refuses wrong credentials with AuthError', async () => {
    // Checkout calls use the api_key; report downloads the report user's credential (report-auth.ts).
    await expect(connect({...emulator.secrets, api_key: 'AQE_wrong'}).testConnection()).rejects.toBeInstanceOf(
      AuthError,
    )
    const client = connect({...emulator.secrets, report_password: 'AQE_wrong'})
    await expect(client.fetchPage(null)).rejects.toBeInstanceOf(AuthError)
    const error = await client.fetchPage(null).catch((e: unknown) => e)
    expect(String((error as Error).message)).not.toContain('AQE_wrong')
  })
})
