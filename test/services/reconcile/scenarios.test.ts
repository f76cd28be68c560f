import {afterEach, describe, expect, it} from 'vitest'

import type {ReconcileClass} from '../../../src/core/reconcile/classes.js'
import {runReconcile, type ReconcileHooks} from '../../../src/services/reconcile/run.js'
import type {ReconcileInput} from '../../../src/services/reconcile/options.js'
import type {ReconcileResult} from '../../../src/services/reconcile/result.js'
import {writeTxnVersion} from '../../../src/store/repos/transactions.js'
import {eur, jpy, kwd, ledgerWorld, usd, type LedgerWorld} from './ledger-world.js'
import {sqliteHandle} from '../../../src/store/ops/ledger-handle.js'

// One small ledger per class, built through the import and sync paths. The run's time is 2026-06-01: invoices due in
// May are overdue, those due in July are not.
const worlds: LedgerWorld[] = []
afterEach(() => {
  while (worlds.length > 0) worlds.pop()!.close()
})

async function world(): Promise<LedgerWorld> {
  const w = ledgerWorld('2026-06-01T00:00:00.000Z')
  worlds.push(w)
  for (const [site, currency] of [
    ['berlin', 'EUR'],
    ['tokyo', 'JPY'],
    ['kuwait', 'KWD'],
  ] as const) {
    w.site(site, currency)
    w.customer(`${site}-1`, site)
    w.customer(`${site}-2`, site)
  }
  return w
}

async function run(w: LedgerWorld, input: Partial<ReconcileInput> = {}, hooks: ReconcileHooks = {}) {
  // Every scenario is also reconciled with every pair handed over one by one: the tally must change nothing.
  const tallied = await runReconcile(
    sqliteHandle(w.db),
    w.ctx,
    {site: 'berlin', ...input},
    {collectLinks: true, ...hooks},
  )
  if (process.env.SHOW_NOTES) for (const e of tallied.result.exceptions) console.log(`${e.class} | ${e.note}`)
  const listed = await runReconcile(
    sqliteHandle(w.db),
    w.ctx,
    {site: 'berlin', ...input},
    {collectLinks: true, tallyPlain: false},
  )
  const {runId: _a, ...a} = tallied.result
  const {runId: _b, ...b} = listed.result
  expect(b).toEqual(a)
  return tallied.result
}

const only = (r: ReconcileResult, cls: ReconcileClass) => {
  const found = r.exceptions.filter((e) => e.class === cls)
  expect(found, JSON.stringify(r.exceptions, null, 1)).toHaveLength(1)
  return found[0]!
}

const classesOf = (r: ReconcileResult) =>
  Object.fromEntries(Object.entries(r.counts).filter(([, n]) => n > 0)) as Partial<Record<ReconcileClass, number>>

describe('reconcile: one scenario per class', () => {
  it('matches by reference in JPY (no minor unit) and KWD (three decimals), exactly', async () => {
    const w = await world()
    await w.invoice('jp-1', 'tokyo-1', jpy(12_000), '2026-05-01', '2026-05-15')
    await w.invoice('kw-1', 'kuwait-1', kwd(15_250), '2026-05-01', '2026-05-15')
    await w.invoice('kw-2', 'kuwait-2', kwd(10_000), '2026-05-01', '2026-05-15')
    w.txn({id: 'ch_jp', amount: jpy(12_000), customer: 'tokyo-1', invoice: 'jp-1', at: '2026-05-10T00:00:00Z'})
    w.txn({id: 'ch_kw', amount: kwd(15_250), customer: 'kuwait-1', invoice: 'kw-1', at: '2026-05-10T00:00:00Z'})
    // 9.990 KWD of 10.000: 10 fils short, within 0.5% (50 fils) of the invoice
    w.txn({id: 'ch_kw2', amount: kwd(9_990), customer: 'kuwait-2', invoice: 'kw-2', at: '2026-05-10T00:00:00Z'})
    const tokyo = await run(w, {site: 'tokyo'})
    expect(classesOf(tokyo)).toEqual({matched: 1})
    expect(tokyo.amounts.matched).toEqual({invoiced: [jpy(12_000)], paid: [jpy(12_000)]})
    const kuwait = await run(w, {site: 'kuwait'})
    expect(classesOf(kuwait)).toEqual({matched: 2})
    expect(kuwait.amounts.matched).toEqual({invoiced: [kwd(25_250)], paid: [kwd(25_240)]})
    // with no tolerance the 10 fils are open
    const exact = await run(w, {site: 'kuwait', tolerance: '0'})
    expect(only(exact, 'partially_paid')).toMatchObject({invoice: 'kw-2', expected: kwd(10_000), actual: kwd(9_990)})
    expect(only(exact, 'partially_paid').note).toContain('0.010 KWD is still open')
    expect(exact.identity.holds).toBe(true)
  })

  it("a USD payment for a EUR invoice converts at its date's rate; without a rate it is a currency_mismatch naming the pair and date", async () => {
    const w = await world()
    await w.invoice('inv-1', 'berlin-1', eur(10_000), '2026-05-01', '2026-05-15')
    w.txn({id: 'ch_usd', amount: usd(10_870), customer: 'berlin-1', invoice: 'inv-1', at: '2026-05-10T09:00:00Z'})
    const without = await run(w)
    const e = only(without, 'currency_mismatch')
    expect(e).toMatchObject({invoice: 'inv-1', transactions: ['acme:ch_usd'], expected: eur(10_000), actual: null})
    expect(e.note).toContain('USD->EUR on or before 2026-05-10')
    // a rate dated after the payment does not help: conversion uses the rate of the payment's date
    w.rate('EUR', 'USD', '2026-05-11', '1.0870')
    expect(only(await run(w), 'currency_mismatch').note).toContain('USD->EUR on or before 2026-05-10')
    w.rate('EUR', 'USD', '2026-05-08', '1.0870')
    const withRate = await run(w)
    expect(classesOf(withRate)).toEqual({matched: 1})
    expect(withRate.exceptions).toEqual([])
    expect(withRate.rules.converted).toBe(0) // by reference: the conversion is the classification's, not a rule's
    // converted, the payment is 100.00 EUR; 5% less is beyond tolerance: an amount mismatch, since it may be the rate
    w.txn({id: 'ch_usd', amount: usd(10_320), customer: 'berlin-1', invoice: 'inv-1', at: '2026-05-10T09:00:00Z'})
    const short = await run(w)
    expect(only(short, 'amount_mismatch').note).toMatch(
      /converted at 0\.9199632015 \(USD->EUR, rate of 2026-05-08\) is 94\.94 EUR/,
    )
  })

  it('an unreferenced payment in another currency matches by rule when the rate makes it the only fit', async () => {
    const w = await world()
    w.rate('EUR', 'USD', '2026-05-08', '1.1000')
    await w.invoice('inv-1', 'berlin-1', eur(10_000), '2026-05-01', '2026-05-15')
    w.txn({id: 'ch_usd', amount: usd(11_000), customer: 'berlin-1', at: '2026-05-10T09:00:00Z'})
    const r = await run(w)
    expect(classesOf(r)).toEqual({matched: 1})
    expect(r.matches).toEqual([
      expect.objectContaining({rule: 'amount_and_date', invoices: ['inv-1'], transactions: ['acme:ch_usd']}),
    ])
    expect(r.matches[0]!.fx).toMatchObject({amount: eur(10_000), rateDate: '2026-05-08', path: ['USD', 'EUR']})
    expect(r.matches[0]!.why).toContain('the only open invoice of customer berlin-1 within 0.5%')
    expect(r.rules).toMatchObject({amount_and_date: 1, converted: 1})
  })

  it('split payments (1:N) match; one payment for two invoices matches by references or by an exact sum', async () => {
    const w = await world()
    await w.invoice('split', 'berlin-1', eur(30_000), '2026-05-01', '2026-05-15')
    w.txn({id: 'ch_a', amount: eur(10_000), customer: 'berlin-1', invoice: 'split', at: '2026-05-02T00:00:00Z'})
    w.txn({id: 'ch_b', amount: eur(20_000), customer: 'berlin-1', invoice: 'split', at: '2026-05-09T00:00:00Z'})
    await w.invoice('pair-a', 'berlin-1', eur(4_000), '2026-05-01', '2026-05-20')
    await w.invoice('pair-b', 'berlin-1', eur(6_000), '2026-05-01', '2026-05-20')
    w.txn({
      id: 'ch_ab',
      amount: eur(10_000),
      customer: 'berlin-1',
      invoice: 'pair-a, pair-b',
      at: '2026-05-12T00:00:00Z',
    })
    await w.invoice('sum-a', 'berlin-2', eur(1_250), '2026-05-01', '2026-05-20')
    await w.invoice('sum-b', 'berlin-2', eur(3_750), '2026-05-01', '2026-05-20')
    await w.invoice('sum-c', 'berlin-2', eur(9_999), '2026-05-01', '2026-05-20')
    w.txn({id: 'ch_sum', amount: eur(5_000), customer: 'berlin-2', at: '2026-05-12T00:00:00Z'})
    const r = await run(w)
    expect(r.counts).toMatchObject({matched: 3, unpaid: 1})
    expect(r.items.invoices).toMatchObject({matched: 5, unpaid: 1})
    expect(r.items.payments.matched).toBe(4)
    expect(r.rules).toMatchObject({reference: 3, exact_sum: 1})
    expect(r.matches).toEqual([
      expect.objectContaining({rule: 'exact_sum', invoices: ['sum-a', 'sum-b'], transactions: ['acme:ch_sum']}),
    ])
    expect(r.matches[0]!.why).toContain('the only combination of customer berlin-2')
    // sum-c is unpaid and overdue
    expect(only(r, 'unpaid')).toMatchObject({invoice: 'sum-c', expected: eur(9_999), actual: eur(0)})
  })

  it('a second payment of an already paid invoice is a duplicate; refunded in full it is settled', async () => {
    const w = await world()
    await w.invoice('inv-1', 'berlin-1', eur(5_000), '2026-05-01', '2026-05-15')
    w.txn({id: 'ch_1', amount: eur(5_000), customer: 'berlin-1', invoice: 'inv-1', at: '2026-05-10T10:00:00Z'})
    w.txn({id: 'ch_2', amount: eur(5_000), customer: 'berlin-1', invoice: 'inv-1', at: '2026-05-10T10:01:00Z'})
    const r = await run(w)
    expect(classesOf(r)).toEqual({matched: 1, duplicate: 1})
    const dup = only(r, 'duplicate')
    expect(dup).toMatchObject({invoice: 'inv-1', transactions: ['acme:ch_2', 'acme:ch_1'], actual: eur(5_000)})
    expect(dup.note).toContain('repeats payment acme:ch_1')
    expect(r.items.payments).toMatchObject({matched: 1, duplicate: 1})
    w.txn({id: 're_2', type: 'refund', amount: eur(5_000), parent: 'ch_2', at: '2026-05-11T00:00:00Z'})
    const settled = await run(w)
    expect(classesOf(settled)).toEqual({matched: 1})
    expect(settled.items.payments.matched).toBe(2)
  })

  it('refunds and a lost dispute reduce what was paid; a won dispute restores it', async () => {
    const w = await world()
    await w.invoice('refunded', 'berlin-1', eur(8_000), '2026-05-01', '2026-05-15')
    w.txn({id: 'ch_r', amount: eur(8_000), customer: 'berlin-1', invoice: 'refunded', at: '2026-05-05T00:00:00Z'})
    w.txn({id: 're_r', type: 'refund', amount: eur(3_000), parent: 'ch_r', at: '2026-05-06T00:00:00Z'})
    await w.invoice('lost', 'berlin-2', eur(6_000), '2026-05-01', '2026-05-15')
    w.txn({id: 'ch_l', amount: eur(6_000), customer: 'berlin-2', invoice: 'lost', at: '2026-05-05T00:00:00Z'})
    w.txn({id: 'dp_l', type: 'dispute', status: 'lost', amount: eur(6_000), parent: 'ch_l', at: '2026-05-07T00:00:00Z'})
    await w.invoice('won', 'berlin-2', eur(2_000), '2026-05-01', '2026-05-15')
    w.txn({id: 'ch_w', amount: eur(2_000), customer: 'berlin-2', invoice: 'won', at: '2026-05-05T00:00:00Z'})
    w.txn({
      id: 'dp_w',
      type: 'dispute',
      status: 'disputed',
      amount: eur(2_000),
      parent: 'ch_w',
      at: '2026-05-07T00:00:00Z',
    })
    const open = await run(w)
    expect(open.exceptions.map((e) => [e.class, e.invoice])).toEqual([
      ['partially_paid', 'refunded'],
      ['unpaid', 'lost'],
      ['unpaid', 'won'],
    ])
    expect(open.exceptions[0]!.note).toContain('then refund acme:re_r of 30.00 EUR')
    expect(open.exceptions[0]!.actual).toEqual(eur(5_000))
    expect(open.exceptions[1]!.note).toContain('dispute acme:dp_l (lost) of 60.00 EUR')
    w.txn({id: 'dp_w', type: 'dispute', status: 'won', amount: eur(2_000), parent: 'ch_w', at: '2026-05-20T00:00:00Z'})
    const won = await run(w)
    expect(won.exceptions.map((e) => [e.class, e.invoice])).toEqual([
      ['partially_paid', 'refunded'],
      ['unpaid', 'lost'],
    ])
    expect(won.identity.holds).toBe(true)
    expect(won.identity.lines).toEqual([
      expect.objectContaining({
        currency: 'EUR',
        invoices: eur(16_000),
        payments: eur(16_000),
        refunds: eur(3_000),
        disputes: eur(6_000),
        expected: eur(9_000),
        ledger: eur(9_000),
      }),
    ])
  })

  it('an unreferenced payment that fits two invoices is not matched: the exception names both', async () => {
    const w = await world()
    await w.invoice('inv-a', 'berlin-1', eur(5_000), '2026-05-01', '2026-05-15')
    await w.invoice('inv-b', 'berlin-1', eur(5_010), '2026-05-03', '2026-05-17')
    w.txn({id: 'ch_x', amount: eur(5_005), customer: 'berlin-1', at: '2026-05-10T00:00:00Z'})
    const r = await run(w)
    expect(r.rules).toMatchObject({amount_and_date: 0, exact_sum: 0})
    expect(r.matches).toEqual([])
    const e = only(r, 'unmatched_payment')
    expect(e.transactions).toEqual(['acme:ch_x'])
    expect(e.note).toContain('invoice inv-a (50.00 EUR, due 2026-05-15) and invoice inv-b (50.10 EUR, due 2026-05-17)')
    expect(e.note).toContain('not matched')
    expect(r.counts.unpaid).toBe(2)
    // two payments that fit one invoice: neither is matched either
    await w.invoice('inv-c', 'berlin-2', eur(7_000), '2026-05-01', '2026-05-15')
    w.txn({id: 'ch_y', amount: eur(7_000), customer: 'berlin-2', at: '2026-05-10T00:00:00Z'})
    w.txn({id: 'ch_z', amount: eur(7_000), customer: 'berlin-2', at: '2026-05-11T00:00:00Z'})
    const twice = await run(w)
    expect(twice.matches).toEqual([])
    expect(twice.exceptions.filter((x) => x.class === 'unmatched_payment').map((x) => x.note)).toEqual([
      expect.stringContaining('ch_x'),
      expect.stringContaining('but so may payment acme:ch_z'),
      expect.stringContaining('but so may payment acme:ch_y'),
    ])
  })

  it('overpaid, unpaid (overdue or not yet due) and a reference to an invoice that does not exist', async () => {
    const w = await world()
    await w.invoice('over', 'berlin-1', eur(5_000), '2026-05-01', '2026-05-15')
    w.txn({id: 'ch_o', amount: eur(6_000), customer: 'berlin-1', invoice: 'over', at: '2026-05-10T00:00:00Z'})
    await w.invoice('late', 'berlin-1', eur(1_000), '2026-04-01', '2026-04-15')
    await w.invoice('future', 'berlin-1', eur(1_000), '2026-05-20', '2026-07-01')
    await w.invoice('half', 'berlin-2', eur(1_000), '2026-05-20', '2026-07-01')
    w.txn({id: 'ch_h', amount: eur(500), customer: 'berlin-2', invoice: 'half', at: '2026-05-21T00:00:00Z'})
    w.txn({id: 'ch_u', amount: eur(4_321), customer: 'berlin-2', invoice: 'inv-404', at: '2026-05-10T00:00:00Z'})
    const r = await run(w)
    expect(classesOf(r)).toEqual({overpaid: 1, unpaid: 2, partially_paid: 1, unmatched_payment: 1})
    expect(only(r, 'overpaid')).toMatchObject({invoice: 'over', expected: eur(5_000), actual: eur(6_000)})
    expect(only(r, 'overpaid').note).toContain('That is 10.00 EUR more than invoiced')
    // only the overdue unpaid invoice and the partly paid one not yet due: the first is an exception, the second not
    expect(r.exceptions.map((e) => e.invoice ?? e.transactions[0])).toEqual(['over', 'late', 'acme:ch_u'])
    expect(only(r, 'unpaid').note).toContain('has no payment and was due on 2026-04-15')
    expect(only(r, 'unmatched_payment').note).toContain('no invoice inv-404 has been imported from the YMS')
  })

  it('a payment naming two invoices whose sum it does not pay is an amount_mismatch', async () => {
    const w = await world()
    await w.invoice('a', 'berlin-1', eur(10_000), '2026-05-01', '2026-05-15')
    await w.invoice('b', 'berlin-1', eur(20_000), '2026-05-01', '2026-05-15')
    w.txn({id: 'ch_ab', amount: eur(25_000), customer: 'berlin-1', invoice: 'a;b', at: '2026-05-10T00:00:00Z'})
    const r = await run(w)
    const e = only(r, 'amount_mismatch')
    expect(e).toMatchObject({invoices: ['a', 'b'], expected: eur(30_000), actual: eur(25_000)})
    expect(e.note).toContain('Which of the invoices it leaves open (or overpays) cannot be told')
    expect(r.items.invoices.amount_mismatch).toBe(2)
  })

  it('status_mismatch: a chargeback the gateway reported that the ledger lacks, held in quarantine or never posted', async () => {
    const w = await world()
    await w.invoice('inv-1', 'berlin-1', eur(5_000), '2026-05-01', '2026-05-15')
    w.txn({id: 'ch_1', amount: eur(5_000), customer: 'berlin-1', invoice: 'inv-1', at: '2026-05-10T00:00:00Z'})
    // The connection that reports the chargeback may not write this customer: it waits in quarantine.
    w.txn({
      id: 'ch_1',
      provider: 'withheld',
      amount: eur(5_000),
      customer: 'berlin-1',
      invoice: 'inv-1',
      at: '2026-05-10T00:00:00Z',
    })
    const held = await run(w)
    const e = only(held, 'status_mismatch')
    expect(e.invoice).toBe('inv-1')
    expect(e.note).toContain(
      'The gateway reported payment withheld:ch_1 (succeeded, 50.00 EUR), but it is held in quarantine (access_denied',
    )
    expect(held.identity.holds).toBe(true) // the ledger agrees with itself; it lacks what the gateway said

    // A lost dispute written without its postings (as a broken writer would leave it): the identity breaks.
    const w2 = await world()
    await w2.invoice('inv-2', 'berlin-2', eur(7_000), '2026-05-01', '2026-05-15')
    const payment = w2.txn({
      id: 'ch_2',
      amount: eur(7_000),
      customer: 'berlin-2',
      invoice: 'inv-2',
      at: '2026-05-10T00:00:00Z',
    })
    w2.db.write(() =>
      writeTxnVersion(
        w2.db,
        {
          txn: {
            ...payment,
            id: 'acme:dp_2',
            externalId: 'dp_2',
            type: 'dispute',
            status: 'lost',
            parentExternalId: 'ch_2',
            customerRef: null,
            invoiceRef: null,
          },
          rawJson: '{}',
          rawSha256: 'f'.repeat(64),
          version: 1,
          customerId: 'berlin-2',
          siteId: 'berlin',
          source: 'pull',
          now: w2.at,
        },
        null,
      ),
    )
    const broken = await run(w2)
    const s = only(broken, 'status_mismatch')
    expect(s).toMatchObject({
      invoice: 'inv-2',
      transactions: ['acme:ch_2', 'acme:dp_2'],
      expected: eur(7_000),
      actual: eur(0),
    })
    expect(s.note).toContain(
      "The ledger holds 0.00 EUR on customer berlin-2's account for acme:dp_2, but the gateway last reported dispute acme:dp_2 as lost (70.00 EUR), so it should hold 70.00 EUR",
    )
    expect(broken.identity.holds).toBe(false)
    expect(broken.identity.lines[0]!.difference).toEqual(eur(-7_000))
    expect(broken.identity.unexplained).toEqual([])
  })

  it('every exception says why in words, and the classes cover every invoice and payment exactly once', async () => {
    const w = await world()
    await w.invoice('inv-1', 'berlin-1', eur(5_000), '2026-05-01', '2026-05-15')
    await w.invoice('inv-2', 'berlin-2', eur(5_000), '2026-05-01', '2026-05-15')
    w.txn({id: 'ch_1', amount: eur(5_000), customer: 'berlin-1', invoice: 'inv-1', at: '2026-05-10T00:00:00Z'})
    w.txn({id: 'ch_2', amount: eur(100), customer: 'berlin-2', at: '2026-05-10T00:00:00Z'})
    const r = await run(w)
    for (const e of r.exceptions) expect(e.note.length, e.id).toBeGreaterThan(40)
    const sum = (o: Record<string, number>) => Object.values(o).reduce((a, b) => a + b, 0)
    expect(sum(r.items.invoices)).toBe(2)
    expect(sum(r.items.payments)).toBe(2)
  })
})
