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
 *
 * Tens of thousands of groups pass here per run, most of them matched: the classes are told from sums alone, and the
 * lists and words a note needs are made only inside the note, which is written only for an exception.
 */
export function invoiceFinding(group: Group, ctx: Context): Finding {
  const {facts} = ctx
  const currency = facts.invoices[group.invoices[0]!]!.amount.currency
  const adjustments = adjustmentsOfAll(group.payments, ctx)
  const {invoices, payments, links} = group
  let invoiced = 0
  let mixed = false
  let overdue = false
  for (const i of invoices) {
    const invoice = facts.invoices[i]!
    if (invoice.amount.currency !== currency) mixed = true
    invoiced += invoice.amount.minor
    if (!overdue && ctx.dueAt(i) <= ctx.asOfMs) overdue = true
  }
  if (mixed) {
    return finding('amount_mismatch', {
      invoices,
      payments,
      adjustments,
      links,
      note: () => mixedCurrencyNote(group, ctx),
      exception: true,
    })
  }
  const expected = {minor: invoiced, currency}
  // What the payments paid in the invoice's currency, and whether any was converted or could not be.
  let paidMinor = 0
  let converted = false
  let unconvertible = false
  for (const p of payments) {
    if (facts.payments[p]!.amount.currency === currency) {
      paidMinor += ctx.nets[p]!
      continue
    }
    const x = paidIn(p, currency, ctx)
    if (x.inCurrency === null) unconvertible = true
    else paidMinor += x.inCurrency.minor
    if (x.fx !== null) converted = true
  }
  if (unconvertible) {
    return finding('currency_mismatch', {
      invoices,
      payments,
      adjustments,
      links,
      expected,
      note: () => noRateNote(group, currency, ctx),
      exception: true,
    })
  }
  const actual = {minor: paidMinor, currency}
  const parts = {invoices, payments, adjustments, links, expected, actual}
  if (payments.length === 0 || actual.minor <= 0)
    return finding('unpaid', {...parts, note: () => unpaidNote(group, currency, overdue, ctx), exception: overdue})
  // A match is no exception: its note is never written, so no closure is made for it (most findings are matches).
  if (withinTolerance(expected.minor, actual.minor, ctx.opts.tolerance))
    return finding('matched', {...parts, note: NO_NOTE, exception: false})
  const difference = () => money({minor: Math.abs(actual.minor - expected.minor), currency})
  if (invoices.length > 1 || converted) {
    return finding('amount_mismatch', {
      ...parts,
      note: () =>
        sentences(
          `${subjectWords(group, ctx)}${invoices.length > 1 ? ` (${money(expected)} in all)` : ''}: ${paymentStory(paidList(group, currency, ctx), ctx)}`,
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
          `${subjectWords(group, ctx)}: ${paymentStory(paidList(group, currency, ctx), ctx)}`,
          `${difference()} is still open${overdue ? '' : `, not due until ${day(facts.invoices[invoices[0]!]!.dueAt)}`}`,
          attemptWords(invoiceFacts(group, ctx)),
        ),
      exception: overdue,
    })
  }
  return finding('overpaid', {
    ...parts,
    note: () =>
      sentences(
        `${subjectWords(group, ctx)}: ${paymentStory(paidList(group, currency, ctx), ctx)}`,
        `That is ${difference()} more than invoiced`,
      ),
    exception: true,
  })
}

const NO_NOTE = (): string => ''

const invoiceFacts = (group: Group, ctx: Context): InvoiceFact[] => group.invoices.map((i) => ctx.facts.invoices[i]!)

/** Each payment's net in the invoice's currency (converted again for the note: the conversions are cached). */
const paidList = (group: Group, currency: string, ctx: Context): Paid[] =>
  group.payments.map((p) => paidIn(p, currency, ctx))

function subjectWords(group: Group, ctx: Context): string {
  const invoices = invoiceFacts(group, ctx)
  return invoices.length === 1
    ? capitalised(invoiceWords(invoices[0]!))
    : `Invoices ${listWords(invoices.map((i) => i.id))}`
}

function mixedCurrencyNote(group: Group, ctx: Context): string {
  const currencies = [...new Set(invoiceFacts(group, ctx).map((i) => i.amount.currency))]
  return sentences(
    `${subjectWords(group, ctx)} are paid together but are in different currencies (${listWords(currencies)}): the amounts cannot be compared`,
  )
}

function noRateNote(group: Group, currency: string, ctx: Context): string {
  const {facts} = ctx
  const unconverted = paidList(group, currency, ctx).filter((x) => x.inCurrency === null)
  const pairs = unconverted.map(
    (x) => `${x.net.currency}->${currency} on or before ${day(facts.payments[x.payment]!.occurredAt)}`,
  )
  return sentences(
    `${subjectWords(group, ctx)}: ${listWords(unconverted.map((x) => paymentWords(facts.payments[x.payment]!)))} cannot be converted into ${currency}, for want of a rate ${listWords(pairs)}`,
    'Import rates (yms-pay fx import) or set one (yms-pay fx set)',
  )
}

function unpaidNote(group: Group, currency: string, overdue: boolean, ctx: Context): string {
  const invoices = invoiceFacts(group, ctx)
  const paid = paidList(group, currency, ctx)
  const due = overdue ? `was due on ${day(invoices[0]!.dueAt)}` : `is not due until ${day(invoices[0]!.dueAt)}`
  const subject = subjectWords(group, ctx)
  return sentences(
    paid.length === 0 ? `${subject} has no payment and ${due}` : `${subject} ${due}`,
    paid.length > 0 && `It was ${paymentStory(paid, ctx)}: nothing of it remains paid`,
    attemptWords(invoices),
  )
}

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
