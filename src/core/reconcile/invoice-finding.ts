import type {Money} from '../transaction.js'
import type {Context} from './context.js'
import type {InvoiceFact} from './facts.js'
import {finding, NONE, type Finding} from './findings.js'
import type {Group} from './groups.js'
import {paidIn, type Paid} from './paid.js'
import {withinTolerance} from './tolerance.js'
import {adjustmentWords, capitalised, day, invoiceWords, listWords, money, paymentWords, sentences} from './words.js'

/**
 * The class of an invoice (or of the invoices one payment covers) from what its payments paid, net of refunds and
 * disputes, in the invoice's currency: matched within tolerance; unpaid; partially paid or overpaid (one invoice,
 * its own currency); amount_mismatch when several invoices or a conversion make the difference impossible to place;
 * currency_mismatch when a payment cannot be converted for want of a rate. Unpaid and partially paid invoices are
 * exceptions only once due.
 */
export function invoiceFinding(group: Group, ctx: Context): Finding {
  const {facts} = ctx
  const invoices = group.invoices.map((i) => facts.invoices[i]!)
  const currency = invoices[0]!.amount.currency
  const adjustments = adjustmentsOfAll(group.payments, ctx)
  const base = {invoices: group.invoices, payments: group.payments, adjustments, links: group.links}
  const subject = () =>
    invoices.length === 1 ? capitalised(invoiceWords(invoices[0]!)) : `Invoices ${listWords(invoices.map((i) => i.id))}`
  if (invoices.some((i) => i.amount.currency !== currency)) {
    return finding('amount_mismatch', {
      ...base,
      note: () =>
        sentences(
          `${subject()} are paid together but are in different currencies (${listWords([...new Set(invoices.map((i) => i.amount.currency))])}): the amounts cannot be compared`,
        ),
      exception: true,
    })
  }
  const expected: Money = {minor: invoices.reduce((sum, i) => sum + i.amount.minor, 0), currency}
  const overdue = group.invoices.some((i) => ctx.dueAt(i) <= ctx.asOfMs)
  const paid = group.payments.map((p) => paidIn(p, currency, ctx))
  const unconverted = paid.filter((x) => x.inCurrency === null)
  if (unconverted.length > 0) {
    const pairs = unconverted.map(
      (x) => `${x.net.currency}->${currency} on or before ${day(facts.payments[x.payment]!.occurredAt)}`,
    )
    return finding('currency_mismatch', {
      ...base,
      expected,
      note: () =>
        sentences(
          `${subject()}: ${listWords(unconverted.map((x) => paymentWords(facts.payments[x.payment]!)))} cannot be converted into ${currency}, for want of a rate ${listWords(pairs)}`,
          'Import rates (yms-pay fx import) or set one (yms-pay fx set)',
        ),
      exception: true,
    })
  }
  const actual: Money = {minor: paid.reduce((sum, x) => sum + x.inCurrency!.minor, 0), currency}
  const parts = {...base, expected, actual}
  const story = () => paymentStory(paid, ctx)
  if (paid.length === 0 || actual.minor <= 0) {
    const due = overdue ? `was due on ${day(invoices[0]!.dueAt)}` : `is not due until ${day(invoices[0]!.dueAt)}`
    return finding('unpaid', {
      ...parts,
      note: () =>
        sentences(
          paid.length === 0 ? `${subject()} has no payment and ${due}` : `${subject()} ${due}`,
          paid.length > 0 && `It was ${story()}: nothing of it remains paid`,
          attemptWords(invoices),
        ),
      exception: overdue,
    })
  }
  if (withinTolerance(expected.minor, actual.minor, ctx.opts.tolerance))
    // A match is no exception: its note is never written, so no closure is made for it (most findings are matches).
    return finding('matched', {...parts, note: NO_NOTE, exception: false})
  const difference = () => money({minor: Math.abs(actual.minor - expected.minor), currency})
  const converted = paid.some((x) => x.fx !== null)
  if (invoices.length > 1 || converted) {
    return finding('amount_mismatch', {
      ...parts,
      note: () =>
        sentences(
          `${subject()}${invoices.length > 1 ? ` (${money(expected)} in all)` : ''}: ${story()}`,
          `That is ${difference()} ${actual.minor < expected.minor ? 'short' : 'more'}, beyond the ${ctx.opts.tolerance.text} tolerance`,
          invoices.length > 1
            ? 'Which of the invoices it leaves open (or overpays) cannot be told'
            : 'The difference may be the exchange rate as much as the amount paid',
        ),
      exception: true,
    })
  }
  if (actual.minor < expected.minor) {
    return finding('partially_paid', {
      ...parts,
      note: () =>
        sentences(
          `${subject()}: ${story()}`,
          `${difference()} is still open${overdue ? '' : `, not due until ${day(invoices[0]!.dueAt)}`}`,
          attemptWords(invoices),
        ),
      exception: overdue,
    })
  }
  return finding('overpaid', {
    ...parts,
    note: () => sentences(`${subject()}: ${story()}`, `That is ${difference()} more than invoiced`),
    exception: true,
  })
}

const NO_NOTE = (): string => ''

/** The refunds and disputes of these payments (a shared list when only one payment has any). */
function adjustmentsOfAll(payments: readonly number[], ctx: Context): number[] {
  let out = NONE
  for (const p of payments) {
    const own = ctx.adjustmentsOf[p]!
    if (own.length > 0) out = out.length === 0 ? own : [...out, ...own]
  }
  return out
}

/** "Attempts that named it: P (failed)", when payments named the invoice but did not succeed. */
function attemptWords(invoices: readonly InvoiceFact[]): string | null {
  const attempts = invoices.flatMap((i) => i.attempts)
  if (attempts.length === 0) return null
  return `Attempts that named it but did not succeed: ${listWords(attempts.map((a) => `${a.id} (${a.status})`))}`
}

/** "paid by X and Y; refund R of 10.00 EUR; converted at ...". */
function paymentStory(paid: readonly Paid[], ctx: Context): string {
  const {facts} = ctx
  if (paid.length === 0) return 'no payment'
  const parts = [`paid by ${listWords(paid.map((x) => paymentWords(facts.payments[x.payment]!)))}`]
  const adjustments = paid.flatMap((x) => ctx.adjustmentsOf[x.payment] ?? []).map((a) => facts.adjustments[a]!)
  if (adjustments.length > 0) parts.push(`then ${listWords(adjustments.map(adjustmentWords))}`)
  for (const x of paid) {
    if (x.fx)
      parts.push(
        `${money(x.net)} converted at ${x.fx.rate} (${x.fx.path.join('->')}, rate of ${x.fx.rateDate}) is ${money(x.fx.amount)}`,
      )
  }
  const total = paid.reduce((sum, x) => sum + x.inCurrency!.minor, 0)
  const currency = paid[0]!.inCurrency!.currency
  if (paid.length > 1 || adjustments.length > 0 || paid.some((x) => x.fx))
    parts.push(`${money({minor: total, currency})} paid in all`)
  return parts.join('; ')
}
