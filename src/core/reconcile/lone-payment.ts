import type {Context} from './context.js'
import {finding, type Finding} from './findings.js'
import type {Group} from './groups.js'
import {netOf} from './paid.js'
import type {RuleMiss} from './rule-types.js'
import {capitalised, invoiceWords, listWords, money, paymentWords, sentences} from './words.js'

/**
 * A payment tied to no invoice. Without a reference and with no rate to compare it against the customer's open
 * invoices in another currency it is a currency_mismatch; otherwise unmatched_payment, saying why. A payment that
 * was refunded or taken back in full holds nothing to apply: it is listed, but nobody has to act.
 */
export function lonePayment(group: Group, ctx: Context): Finding {
  const p = group.payments[0]!
  const payment = ctx.facts.payments[p]!
  const net = netOf(p, ctx)
  const miss = ctx.misses.get(p)
  const parts = {payments: [p], adjustments: ctx.adjustmentsOf[p] ?? [], actual: net}
  const settled = net.minor === 0 ? `It was refunded or taken back in full: nothing is left to apply` : null
  if (miss && miss.candidates.length === 0 && miss.noRate.length > 0) {
    const pairs = [...new Set(miss.noRate.map((r) => `${r.from}->${r.to} on or before ${r.date}`))]
    return finding('currency_mismatch', {
      ...parts,
      note: () =>
        sentences(
          `${capitalised(paymentWords(payment))} names no invoice, and customer ${payment.customer}'s open invoices near its date are in another currency with no rate to compare: ${listWords(pairs)}`,
          `Import rates (yms-pay fx import) or set one (yms-pay fx set)`,
          settled,
        ),
      exception: net.minor !== 0,
    })
  }
  return finding('unmatched_payment', {
    ...parts,
    note: () => sentences(ctx.referenceNotes.get(p) ?? missWords(miss, ctx), settled),
    exception: net.minor !== 0,
  })
}

function missWords(miss: RuleMiss | undefined, ctx: Context): string {
  const {facts, opts} = ctx
  if (!miss) return 'It names no invoice'
  const payment = facts.payments[miss.payment]!
  const head = `${capitalised(paymentWords(payment))} names no invoice`
  const fits = (c: RuleMiss['candidates'][number]) =>
    c.invoices.length === 1
      ? invoiceWords(facts.invoices[c.invoices[0]!]!)
      : `invoices ${listWords(c.invoices.map((i) => facts.invoices[i]!.id))} together`
  if (miss.candidates.length > 1)
    return sentences(
      head,
      `It fits ${listWords(miss.candidates.map(fits))}: not matched, since only one of them can be right`,
    )
  if (miss.candidates.length === 1 && miss.rivals.length > 0)
    return sentences(
      head,
      `It fits ${fits(miss.candidates[0]!)}, but so may ${listWords(miss.rivals.map((q) => paymentWords(facts.payments[q]!)))}: not matched, since only one of them can be right`,
    )
  if (miss.sumsUndecided)
    return sentences(
      head,
      `Customer ${payment.customer} has too many open invoices near its date to rule out every combination: not matched`,
    )
  return sentences(
    head,
    `None of customer ${payment.customer}'s open invoices is within ${opts.tolerance.text} of ${money(payment.amount)} and due within ${opts.windowDays} days of its date, and no combination of them adds up to it`,
  )
}
