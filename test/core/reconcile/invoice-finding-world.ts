import type {Convert} from '../../../src/core/reconcile/convert.js'
import type {InvoiceFact, PaymentFact, SiteFacts} from '../../../src/core/reconcile/facts.js'
import {parseTolerance} from '../../../src/core/reconcile/tolerance.js'
import type {Money} from '../../../src/core/transaction.js'

/**
 * Facts for the engine alone, one case per branch of invoiceFinding (the class of an invoice, or of the invoices one
 * payment covers), each its own customer: the engine is run on them without a store.
 */
const eur = (minor: number): Money => ({minor, currency: 'EUR'})
const usd = (minor: number): Money => ({minor, currency: 'USD'})
const gbp = (minor: number): Money => ({minor, currency: 'GBP'})

export function invoiceFindingFacts(): SiteFacts {
  const invoices: InvoiceFact[] = []
  const payments: PaymentFact[] = []
  const invoice = (id: string, customer: string, amount: Money, due: string, attempts: InvoiceFact['attempts'] = []) =>
    invoices.push({id, customer, amount, issuedAt: '2026-04-01T00:00:00.000Z', dueAt: due, inPeriod: true, attempts}) -
    1
  const payment = (id: string, customer: string, amount: Money, names: number[], at = '2026-05-10T00:00:00.000Z') =>
    payments.push({
      id,
      provider: 'acme',
      customer,
      amount,
      occurredAt: at,
      invoiceRef: names.map((i) => invoices[i]!.id).join(', '),
      names,
      unresolved: [],
      selected: true,
      inPeriod: true,
    }) - 1
  const overdue = '2026-05-15T00:00:00.000Z'
  const later = '2026-07-15T00:00:00.000Z'
  // two invoices in different currencies paid by one payment
  const mixedA = invoice('mixed-a', 'c-mixed', eur(1_000), overdue)
  const mixedB = invoice('mixed-b', 'c-mixed', usd(2_000), overdue)
  payment('ch_mixed', 'c-mixed', eur(1_000), [mixedA, mixedB])
  // paid in GBP, no rate
  payment('ch_gbp', 'c-gbp', gbp(5_000), [invoice('gbp', 'c-gbp', eur(5_000), overdue)])
  // unpaid, overdue, with attempts that failed; unpaid, not due
  invoice('unpaid', 'c-unpaid', eur(7_000), overdue, [
    {id: 'acme:ch_f1', status: 'failed'},
    {id: 'acme:ch_f2', status: 'canceled'},
  ])
  invoice('not-due', 'c-not-due', eur(7_000), later)
  // refunded in full: nothing remains paid
  const refunded = payment('ch_refunded', 'c-refunded', eur(3_000), [
    invoice('refunded', 'c-refunded', eur(3_000), overdue),
  ])
  // two invoices, one payment short of their sum
  const pairA = invoice('pair-a', 'c-pair', eur(4_000), overdue)
  const pairB = invoice('pair-b', 'c-pair', eur(6_000), overdue)
  payment('ch_pair', 'c-pair', eur(9_000), [pairA, pairB])
  // USD converted, short of the invoice; USD converted, matched
  payment('ch_usd_short', 'c-usd', usd(10_000), [invoice('usd-short', 'c-usd', eur(10_000), overdue)])
  payment('ch_usd_ok', 'c-usd2', usd(11_000), [invoice('usd-ok', 'c-usd2', eur(10_000), overdue)])
  // partly paid in two payments (overdue, with an attempt), partly paid not yet due, overpaid, matched
  const partial = invoice('partial', 'c-partial', eur(10_000), overdue, [{id: 'acme:ch_p0', status: 'failed'}])
  payment('ch_p1', 'c-partial', eur(2_000), [partial], '2026-05-01T00:00:00.000Z')
  payment('ch_p2', 'c-partial', eur(3_000), [partial], '2026-05-02T00:00:00.000Z')
  payment('ch_early', 'c-early', eur(1_000), [invoice('early', 'c-early', eur(10_000), later)])
  payment('ch_over', 'c-over', eur(12_000), [invoice('over', 'c-over', eur(10_000), overdue)])
  payment('ch_ok', 'c-ok', eur(10_000), [invoice('ok', 'c-ok', eur(10_000), overdue)])
  return {
    site: 'berlin',
    currency: 'EUR',
    invoices,
    payments,
    adjustments: [
      {
        id: 'acme:re_1',
        provider: 'acme',
        customer: 'c-refunded',
        type: 'refund',
        status: 'succeeded',
        amount: eur(3_000),
        occurredAt: '2026-05-12T00:00:00.000Z',
        payment: refunded,
        parent: 'acme:ch_refunded',
        inScope: true,
      },
    ],
    issues: [],
    plain: new Map(),
  }
}

/** USD converts at 1.1 USD per EUR (no rate for GBP). */
const convert: Convert = (amount, to, date) =>
  amount.currency === 'USD' && to === 'EUR'
    ? {
        amount: {minor: Math.round(amount.minor / 1.1), currency: 'EUR'},
        rate: '0.9090909091',
        rateDate: date,
        path: ['USD', 'EUR'],
      }
    : null

export const engineOptions = {
  tolerance: parseTolerance('0.5%'),
  windowDays: 30,
  asOf: '2026-06-01T00:00:00.000Z',
  convert,
}
