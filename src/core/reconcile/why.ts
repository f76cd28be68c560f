import type {Context} from './context.js'
import type {RuleMatch} from './rule-types.js'
import {listWords, money} from './words.js'

/** Why a fuzzy match was the only candidate, in words. */
export function ruleWhy(m: RuleMatch, ctx: Context): string {
  const {facts, opts} = ctx
  const payment = facts.payments[m.payment]!
  const invoices = m.candidate.invoices.map((i) => facts.invoices[i]!)
  if (m.candidate.rule === 'exact_sum') {
    return `${money(payment.amount)} is exactly ${listWords(invoices.map((i) => `${i.id} (${money(i.amount)})`))}: the only combination of customer ${payment.customer}'s open invoices that adds up to it, and no other payment fits them`
  }
  const invoice = invoices[0]!
  const amount = m.candidate.fx
    ? `${money(payment.amount)} (${money(m.candidate.fx.amount)} at ${m.candidate.fx.rate}, rate of ${m.candidate.fx.rateDate})`
    : money(payment.amount)
  return `${invoice.id} (${money(invoice.amount)}, due ${invoice.dueAt.slice(0, 10)}) is the only open invoice of customer ${payment.customer} within ${opts.tolerance.text} of ${amount} and due within ${opts.windowDays} days of ${payment.occurredAt.slice(0, 10)}, and no other payment fits it`
}
