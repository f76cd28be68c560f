import {formatMoney} from '../money.js'
import type {Money} from '../transaction.js'
import type {AdjustmentFact, InvoiceFact, PaymentFact} from './facts.js'

/** The pieces notes are written from, so every note names things the same way. */
export const day = (iso: string): string => iso.slice(0, 10)
export const money = (m: Money): string => formatMoney(m)

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
