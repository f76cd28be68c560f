import type {Context} from './context.js'
import {finding, type Finding} from './findings.js'
import type {Group} from './groups.js'
import {netOf, paidIn} from './paid.js'
import {allowance} from './tolerance.js'
import {capitalised, invoiceWords, money, paymentWords, sentences} from './words.js'

/**
 * Splits off the payments of a one-invoice group that repeat an earlier one: a payment is a duplicate when the
 * invoice was already paid (to within tolerance) by the payments before it, one of which has exactly its amount,
 * and it still holds money (a duplicate refunded in full is settled). Payments in time order, id as tie-break.
 */
export function splitDuplicates(group: Group, ctx: Context): {duplicates: Finding[]; rest: number[]} {
  const {facts} = ctx
  const invoiceIndex = group.invoices[0]!
  const invoice = facts.invoices[invoiceIndex]!
  const ordered = [...group.payments].sort(
    (a, b) => ctx.paidAt(a) - ctx.paidAt(b) || (facts.payments[a]!.id < facts.payments[b]!.id ? -1 : 1),
  )
  const rest: number[] = []
  const duplicates: Finding[] = []
  const slack = allowance(invoice.amount.minor, ctx.opts.tolerance)
  let paid = 0
  for (const p of ordered) {
    const payment = facts.payments[p]!
    const settled = invoice.amount.minor - paid <= slack
    const original = rest.find((q) => {
      const earlier = facts.payments[q]!
      return earlier.amount.currency === payment.amount.currency && earlier.amount.minor === payment.amount.minor
    })
    const net = netOf(p, ctx)
    if (settled && original !== undefined && net.minor > 0) {
      duplicates.push(
        finding('duplicate', {
          payments: [p],
          named: {invoices: [invoiceIndex], payments: [original]},
          adjustments: ctx.adjustmentsOf[p] ?? [],
          links: group.links.filter((l) => l.payment === p),
          expected: {minor: 0, currency: net.currency},
          actual: net,
          note: () =>
            sentences(
              `${capitalised(paymentWords(payment))} repeats ${paymentWords(facts.payments[original]!)} for ${invoiceWords(invoice)}, which the payments before it had already paid`,
              `${money(net)} of it is still held: refund it, or apply it elsewhere`,
            ),
          exception: true,
        }),
      )
      continue
    }
    const inCurrency = paidIn(p, invoice.amount.currency, ctx).inCurrency
    // Without a rate the invoice's paid amount is unknown: no duplicate can be told apart (currency_mismatch).
    if (inCurrency === null) return {duplicates: [], rest: group.payments}
    paid += inCurrency.minor
    rest.push(p)
  }
  return {duplicates, rest}
}
