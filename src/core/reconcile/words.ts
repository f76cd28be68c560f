import {isoExponent} from '../currency.js'
import type {Money} from '../transaction.js'
import type {AdjustmentFact, InvoiceFact, PaymentFact} from './facts.js'

/** The pieces notes are written from, so every note names things the same way. */
export const day = (iso: string): string => iso.slice(0, 10)

/**
 * "12.34 EUR", "1000 JPY", "-0.010 KWD": what core/money.ts formatMoney prints (test/core/reconcile/words.test.ts),
 * on plain integers: tens of thousands of notes are written per run, and formatMoney goes through BigInt.
 */
export function money(m: Money): string {
  const exp = isoExponent(m.currency)
  const digits = String(m.minor < 0 ? 0 - m.minor : m.minor).padStart(exp + 1, '0')
  const sign = m.minor < 0 ? '-' : ''
  const whole = digits.slice(0, digits.length - exp)
  return `${sign}${whole}${exp > 0 ? `.${digits.slice(digits.length - exp)}` : ''} ${m.currency}`
}

export const invoiceWords = (i: InvoiceFact): string => `invoice ${i.id} (${money(i.amount)}, due ${day(i.dueAt)})`
export const paymentWords = (p: PaymentFact): string => `payment ${p.id} (${money(p.amount)} on ${day(p.occurredAt)})`

export function adjustmentWords(a: AdjustmentFact): string {
  const what =
    a.type === 'refund' ? `refund ${a.id}` : `dispute ${a.id} (${a.status === 'disputed' ? 'open' : a.status})`
  return `${what} of ${money(a.amount)}`
}

/** "a", "a and b", "a, b and c". */
export function listWords(items: readonly string[]): string {
  if (items.length <= 1) return items[0] ?? ''
  return `${items.slice(0, -1).join(', ')} and ${items.at(-1)}`
}

/** Sentences joined, each ending with a full stop. */
export function sentences(...parts: Array<string | null | false | undefined>): string {
  return parts
    .filter((p): p is string => typeof p === 'string' && p !== '')
    .map((p) => (p.endsWith('.') ? p : `${p}.`))
    .join(' ')
}

export const capitalised = (s: string): string => s.charAt(0).toUpperCase() + s.slice(1)
