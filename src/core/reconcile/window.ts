import type {Context} from './context.js'

const DAY = 86_400_000

/**
 * Whether an unreferenced payment's date is near enough the invoice's due date to be considered for it: within
 * `days` of the due date either way, and not before the invoice was issued (a day's grace for time zones).
 */
export function inWindow(
  payment: number,
  invoice: number,
  days: number,
  ctx: Pick<Context, 'paidAt' | 'dueAt' | 'issuedAt'>,
): boolean {
  const paid = ctx.paidAt(payment)
  return paid >= ctx.issuedAt(invoice) - DAY && Math.abs(paid - ctx.dueAt(invoice)) <= days * DAY
}
