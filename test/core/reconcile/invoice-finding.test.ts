import {describe, expect, it} from 'vitest'

import {reconcile} from '../../../src/core/reconcile/engine.js'
import {engineOptions, invoiceFindingFacts} from './invoice-finding-world.js'

// What the engine said of each case before invoiceFinding told classes from sums and wrote lists and words only for
// notes (written only for exceptions): every class, note and amount must stay as they were.
const EXPECTED = [
  {
    class: 'amount_mismatch',
    invoices: ['mixed-a', 'mixed-b'],
    exception: true,
    expected: null,
    actual: null,
    note: 'Invoices mixed-a and mixed-b are paid together but are in different currencies (EUR and USD): the amounts cannot be compared.',
  },
  {
    class: 'currency_mismatch',
    invoices: ['gbp'],
    exception: true,
    expected: {minor: 5000, currency: 'EUR'},
    actual: null,
    note: 'Invoice gbp (50.00 EUR, due 2026-05-15): payment ch_gbp (50.00 GBP on 2026-05-10) cannot be converted into EUR, for want of a rate GBP->EUR on or before 2026-05-10. Import rates (yms-pay fx import) or set one (yms-pay fx set).',
  },
  {
    class: 'unpaid',
    invoices: ['unpaid'],
    exception: true,
    expected: {minor: 7000, currency: 'EUR'},
    actual: {minor: 0, currency: 'EUR'},
    note: 'Invoice unpaid (70.00 EUR, due 2026-05-15) has no payment and was due on 2026-05-15. Attempts that named it but did not succeed: acme:ch_f1 (failed) and acme:ch_f2 (canceled).',
  },
  {
    class: 'unpaid',
    invoices: ['not-due'],
    exception: false,
    expected: {minor: 7000, currency: 'EUR'},
    actual: {minor: 0, currency: 'EUR'},
    note: '',
  },
  {
    class: 'unpaid',
    invoices: ['refunded'],
    exception: true,
    expected: {minor: 3000, currency: 'EUR'},
    actual: {minor: 0, currency: 'EUR'},
    note: 'Invoice refunded (30.00 EUR, due 2026-05-15) was due on 2026-05-15. It was paid by payment ch_refunded (30.00 EUR on 2026-05-10); then refund acme:re_1 of 30.00 EUR; 0.00 EUR paid in all: nothing of it remains paid.',
  },
  {
    class: 'amount_mismatch',
    invoices: ['pair-a', 'pair-b'],
    exception: true,
    expected: {minor: 10000, currency: 'EUR'},
    actual: {minor: 9000, currency: 'EUR'},
    note: 'Invoices pair-a and pair-b (100.00 EUR in all): paid by payment ch_pair (90.00 EUR on 2026-05-10). That is 10.00 EUR short, beyond the 0.5% tolerance. Which of the invoices it leaves open (or overpays) cannot be told.',
  },
  {
    class: 'amount_mismatch',
    invoices: ['usd-short'],
    exception: true,
    expected: {minor: 10000, currency: 'EUR'},
    actual: {minor: 9091, currency: 'EUR'},
    note: 'Invoice usd-short (100.00 EUR, due 2026-05-15): paid by payment ch_usd_short (100.00 USD on 2026-05-10); 100.00 USD converted at 0.9090909091 (USD->EUR, rate of 2026-05-10) is 90.91 EUR; 90.91 EUR paid in all. That is 9.09 EUR short, beyond the 0.5% tolerance. The difference may be the exchange rate as much as the amount paid.',
  },
  {
    class: 'matched',
    invoices: ['usd-ok'],
    exception: false,
    expected: {minor: 10000, currency: 'EUR'},
    actual: {minor: 10000, currency: 'EUR'},
    note: '',
  },
  {
    class: 'partially_paid',
    invoices: ['partial'],
    exception: true,
    expected: {minor: 10000, currency: 'EUR'},
    actual: {minor: 5000, currency: 'EUR'},
    note: 'Invoice partial (100.00 EUR, due 2026-05-15): paid by payment ch_p1 (20.00 EUR on 2026-05-01) and payment ch_p2 (30.00 EUR on 2026-05-02); 50.00 EUR paid in all. 50.00 EUR is still open. Attempts that named it but did not succeed: acme:ch_p0 (failed).',
  },
  {
    class: 'partially_paid',
    invoices: ['early'],
    exception: false,
    expected: {minor: 10000, currency: 'EUR'},
    actual: {minor: 1000, currency: 'EUR'},
    note: '',
  },
  {
    class: 'overpaid',
    invoices: ['over'],
    exception: true,
    expected: {minor: 10000, currency: 'EUR'},
    actual: {minor: 12000, currency: 'EUR'},
    note: 'Invoice over (100.00 EUR, due 2026-05-15): paid by payment ch_over (120.00 EUR on 2026-05-10). That is 20.00 EUR more than invoiced.',
  },
  {
    class: 'matched',
    invoices: ['ok'],
    exception: false,
    expected: {minor: 10000, currency: 'EUR'},
    actual: {minor: 10000, currency: 'EUR'},
    note: '',
  },
]

describe('invoiceFinding', () => {
  it('classifies each case as before, with the same amounts and, for exceptions, the same words', () => {
    const facts = invoiceFindingFacts()
    const {findings} = reconcile(facts, engineOptions)
    expect(
      findings.map((f) => ({
        class: f.class,
        invoices: f.invoices.map((i) => facts.invoices[i]!.id),
        exception: f.exception,
        expected: f.expected,
        actual: f.actual,
        note: f.note,
      })),
    ).toEqual(EXPECTED)
  })
})
