import {dateOf} from './convert.js'
import {exactSums} from './exact-sums.js'
import type {Context} from './context.js'
import type {PaymentCandidates} from './rule-types.js'
import {withinTolerance} from './tolerance.js'
import {inWindow} from './window.js'

/**
 * Every way payment `p` (unreferenced) fits the customer's open invoices `open`: one invoice within tolerance (its
 * amount converted at its date's rate when the currencies differ), or several of its own currency that add up to it
 * exactly; each only when due near the payment's date.
 */
export function candidatesFor(ctx: Context, p: number, open: readonly number[]): PaymentCandidates {
  const {facts, opts: rules} = ctx
  const payment = facts.payments[p]!
  const out: PaymentCandidates = {candidates: [], noRate: [], sumsUndecided: false}
  const near = open.filter((i) => inWindow(p, i, rules.windowDays, ctx))
  const sameCurrency: Array<{key: number; minor: number}> = []
  for (const i of near) {
    const invoice = facts.invoices[i]!
    if (invoice.amount.currency === payment.amount.currency) {
      sameCurrency.push({key: i, minor: invoice.amount.minor})
      if (withinTolerance(invoice.amount.minor, payment.amount.minor, rules.tolerance))
        out.candidates.push({rule: 'amount_and_date', invoices: [i], fx: null})
      continue
    }
    const date = dateOf(payment.occurredAt)
    const fx = rules.convert(payment.amount, invoice.amount.currency, date)
    if (!fx) out.noRate.push({invoice: i, from: payment.amount.currency, to: invoice.amount.currency, date})
    else if (withinTolerance(invoice.amount.minor, fx.amount.minor, rules.tolerance))
      out.candidates.push({rule: 'amount_and_date', invoices: [i], fx})
  }
  if (sameCurrency.length >= 2) {
    const sums = exactSums(sameCurrency, payment.amount.minor)
    if (sums === null) out.sumsUndecided = true
    else for (const invoices of sums) out.candidates.push({rule: 'exact_sum', invoices, fx: null})
  }
  return out
}
