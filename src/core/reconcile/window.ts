import type {InvoiceFact, PaymentFact} from './facts.js'

const DAY = 86_400_000

/**
 * Whether an unreferenced payment's date is near enough the invoice's due date to be considered for it: within
 * `days` of the due date either way, and not before the invoice was issued (a day's grace for time zones).
 */
export function inWindow(payment: PaymentFact, invoice: InvoiceFact, days: number): boolean {
  const paid = Date.parse(payment.occurredAt)
  const due = Date.parse(invoice.dueAt)
  return paid >= Date.parse(invoice.issuedAt) - DAY && Math.abs(paid - due) <= days * DAY
}
