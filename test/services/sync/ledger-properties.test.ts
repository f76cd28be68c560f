import fc from 'fast-check'
import {describe, expect, it} from 'vitest'

import {postingDifference, targetPositions} from '../../../src/core/ledger.js'
import {NormalizedTxnSchema, type NormalizedTxn} from '../../../src/core/transaction.js'
import {replayQuarantine} from '../../../src/services/sync/replay.js'
import {postedPositions, postingKeyOf} from '../../../src/store/repos/ledger.js'
import {storedTransactions} from '../../../src/store/repos/transactions.js'
import {unbalancedPostingSets} from '../../helpers/sync-world.js'
import {accountSums, applyPage, ledgerWorld, PROVIDER, tableCounts} from './ledger-world.js'

/**
 * Ledger invariants through the engine (applyItems inside db.write, the end-of-run quarantine replay), not just
 * src/core: random histories of a few payments with refunds and disputes, every state of every object delivered
 * shuffled, with duplicates, in random page splits, twice.
 */
const CUSTOMERS = [
  {id: 'c1', ref: 'cus_1', currency: 'EUR'},
  {id: 'c2', ref: 'cus_2', currency: 'EUR'},
  {id: 'c3', ref: 'cus_3', currency: 'JPY'},
] as const

interface Story {
  customer: number
  amount: number
  feePermille: number
  final: 'succeeded' | 'failed' | 'pending'
  pendingFirst: boolean
  refunds: Array<{permille: number; final: 'succeeded' | 'failed' | 'pending'; pendingFirst: boolean}>
  dispute: {permille: number; final: 'disputed' | 'won' | 'lost'} | null
}

const storyArb: fc.Arbitrary<Story> = fc.record({
  customer: fc.integer({min: 0, max: 2}),
  amount: fc.integer({min: 1, max: 2_000_000}),
  feePermille: fc.integer({min: 0, max: 80}),
  final: fc.constantFrom('succeeded', 'succeeded', 'failed', 'pending'),
  pendingFirst: fc.boolean(),
  refunds: fc.array(
    fc.record({
      permille: fc.integer({min: 1, max: 500}),
      final: fc.constantFrom('succeeded', 'succeeded', 'failed', 'pending'),
      pendingFirst: fc.boolean(),
    }),
    {maxLength: 2},
  ),
  dispute: fc.option(
    fc.record({permille: fc.integer({min: 1, max: 1000}), final: fc.constantFrom('disputed', 'won', 'lost')}),
    {nil: null},
  ),
})

/** Every state of every object, each with a later updatedAt than the previous state of the same object. */
function histories(stories: readonly Story[]): NormalizedTxn[][] {
  let clock = Date.parse('2026-01-01T00:00:00.000Z')
  const at = () => new Date((clock += 1000 + (clock % 7) * 1000)).toISOString()
  const out: NormalizedTxn[][] = []
  stories.forEach((s, i) => {
    const c = CUSTOMERS[s.customer]!
    const pid = `ch_${i}`
    const base = {provider: PROVIDER, kind: 'stripe' as const, invoiceRef: null, siteRef: null, metadata: {}, net: null}
    const money = (minor: number) => ({minor, currency: c.currency})
    const occurredAt = at()
    const fee = money(Math.floor((s.amount * s.feePermille) / 1000))
    const pay = (status: NormalizedTxn['status']): NormalizedTxn =>
      NormalizedTxnSchema.parse({
        ...base,
        id: `${PROVIDER}:${pid}`,
        externalId: pid,
        parentExternalId: null,
        type: 'payment',
        status,
        amount: money(s.amount),
        fee: status === 'succeeded' ? fee : null,
        customerRef: c.ref,
        failure: status === 'failed' ? {code: 'card_declined', message: 'declined', decision: 'terminal'} : null,
        occurredAt,
        updatedAt: at(),
      })
    const payment: NormalizedTxn[] = []
    if (s.pendingFirst || s.final === 'pending') payment.push(pay('pending'))
    if (s.final !== 'pending') payment.push(pay(s.final))
    out.push(payment)
    if (s.final !== 'succeeded') return
    s.refunds.forEach((r, j) => {
      const rid = `re_${i}_${j}`
      const child = (status: NormalizedTxn['status']): NormalizedTxn =>
        NormalizedTxnSchema.parse({
          ...base,
          id: `${PROVIDER}:${rid}`,
          externalId: rid,
          parentExternalId: pid,
          type: 'refund',
          status,
          amount: money(Math.max(1, Math.floor((s.amount * r.permille) / 1000))),
          fee: null,
          customerRef: null,
          failure: null,
          occurredAt: at(),
          updatedAt: at(),
        })
      const states = [] as NormalizedTxn[]
      if (r.pendingFirst || r.final === 'pending') states.push(child('pending'))
      if (r.final !== 'pending') states.push(child(r.final))
      out.push(states)
    })
    if (s.dispute) {
      const did = `dp_${i}`
      const d = s.dispute
      const dispute = (status: NormalizedTxn['status']): NormalizedTxn =>
        NormalizedTxnSchema.parse({
          ...base,
          id: `${PROVIDER}:${did}`,
          externalId: did,
          parentExternalId: pid,
          type: 'dispute',
          status,
          amount: money(Math.max(1, Math.floor((s.amount * d.permille) / 1000))),
          fee: null,
          customerRef: null,
          failure: null,
          occurredAt: at(),
          updatedAt: at(),
        })
      out.push(d.final === 'disputed' ? [dispute('disputed')] : [dispute('disputed'), dispute(d.final)])
    }
  })
  return out
}

/** The books computed from the stories alone (independent of src/core/ledger.ts). */
function expectedBooks(finals: ReadonlyMap<string, NormalizedTxn>): Record<string, number> {
  const sums = new Map<string, number>()
  const add = (k: string, m: number) => sums.set(k, (sums.get(k) ?? 0) + m)
  for (const t of finals.values()) {
    const owner = t.type === 'payment' ? t : finals.get(`${PROVIDER}:${t.parentExternalId}`)!
    const customer = CUSTOMERS.find((c) => c.ref === owner.customerRef)!.id
    const cur = t.amount.currency
    const m = t.amount.minor
    if (t.type === 'payment' && t.status === 'succeeded') {
      add(`customer:${customer}|${cur}`, -m)
      add(`clearing:${PROVIDER}|${cur}`, m - t.fee!.minor)
      add(`fees:${PROVIDER}|${cur}`, t.fee!.minor)
    }
    if (
      (t.type === 'refund' && t.status === 'succeeded') ||
      (t.type === 'dispute' && (t.status === 'disputed' || t.status === 'lost'))
    ) {
      add(`customer:${customer}|${cur}`, m)
      add(`clearing:${PROVIDER}|${cur}`, -m)
    }
  }
  return Object.fromEntries([...sums].filter(([, v]) => v !== 0).sort(([a], [b]) => (a < b ? -1 : 1)))
}

/** One delivery of every state: shuffled, some repeated, cut into pages. */
const deliveryArb = (n: number) =>
  fc.record({
    order: fc.shuffledSubarray([...Array(n).keys()], {minLength: n, maxLength: n}),
    dups: fc.array(fc.integer({min: 0, max: Math.max(0, n - 1)}), {maxLength: 6}),
    cuts: fc.array(fc.integer({min: 1, max: 6}), {minLength: 1, maxLength: 40}),
  })

function pagesOf(
  items: readonly NormalizedTxn[],
  d: {order: number[]; dups: number[]; cuts: number[]},
): NormalizedTxn[][] {
  const seq = d.order.map((i) => items[i]!)
  for (const [k, i] of d.dups.entries()) seq.splice((k * 7) % (seq.length + 1), 0, items[i % items.length]!)
  const pages: NormalizedTxn[][] = []
  let at = 0
  for (let k = 0; at < seq.length; k++) {
    const size = d.cuts[k % d.cuts.length]!
    pages.push(seq.slice(at, at + size))
    at += size
  }
  return pages
}

const worldArb = fc.array(storyArb, {minLength: 1, maxLength: 5}).chain((stories) => {
  const n = histories(stories).flat().length
  return fc.tuple(fc.constant(stories), deliveryArb(n), deliveryArb(n))
})

describe('ledger invariants through applyItems (fast-check)', () => {
  it('balanced posting sets; re-applying any page changes nothing; final state and balances follow the latest state of each object', () => {
    fc.assert(
      fc.property(worldArb, ([stories, first, second]) => {
        const all = histories(stories)
        const items = all.flat()
        const finals = new Map(all.map((h) => [h[h.length - 1]!.id, h[h.length - 1]!]))
        const w = ledgerWorld()
        try {
          for (const delivery of [first, second]) {
            for (const page of pagesOf(items, delivery)) {
              applyPage(w.db, page)
              const counts = tableCounts(w.db)
              const sums = accountSums(w.db)
              // The same page again (a crash before the cursor moved, a duplicate webhook): nothing changes.
              applyPage(w.db, page)
              expect(tableCounts(w.db)).toEqual(counts)
              expect(accountSums(w.db)).toEqual(sums)
              expect(unbalancedPostingSets(w.db)).toEqual([])
            }
            // What a run does at its end: items that waited for their payment apply now.
            replayQuarantine(w.db, w.ctx, {provider: PROVIDER, reasons: ['unknown_customer'], quiet: true})
          }
          expect(tableCounts(w.db).openQuarantine).toBe(0)
          const stored = storedTransactions(w.db)
          expect(stored.length).toBe(finals.size)
          for (const row of stored) {
            const latest = finals.get(row.txn.id)!
            const got = row.txn
            expect([got.status, got.amount, got.fee, got.updatedAt], row.txn.id).toEqual([
              latest.status,
              latest.amount,
              latest.fee,
              latest.updatedAt,
            ])
            // The sum of all its versions' postings is the target of its latest state: the differences added up.
            expect(
              postingDifference(
                targetPositions(latest, row.customerId!),
                postedPositions(w.db, postingKeyOf(w.db, row.txn.id)).lines,
              ),
              row.txn.id,
            ).toEqual([])
          }
          expect(accountSums(w.db)).toEqual(expectedBooks(finals))
        } finally {
          w.close()
        }
      }),
      {numRuns: 60, seed: 424242},
    )
  }, 60_000)
})
