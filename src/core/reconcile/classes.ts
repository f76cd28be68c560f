/**
 * What a reconciliation says about each invoice and each payment: exactly one class per item. Order matters: it is
 * the order of every summary and of the exceptions list.
 */
export const RECONCILE_CLASSES = [
  'matched',
  'partially_paid',
  'overpaid',
  'amount_mismatch',
  'currency_mismatch',
  'unpaid',
  'unmatched_payment',
  'duplicate',
  'status_mismatch',
] as const
export type ReconcileClass = (typeof RECONCILE_CLASSES)[number]

/**
 * How a payment was tied to an invoice. `reference`: the gateway transaction names the invoice (as its adapter
 * extracts it). `exact_sum`: an unreferenced payment equals, to the minor unit, the sum of exactly one combination
 * of the customer's open invoices. `amount_and_date`: an unreferenced payment is, for the same customer, the only
 * one within tolerance of an open invoice due near its date, and that invoice its only such candidate.
 */
export const MATCH_RULES = ['reference', 'exact_sum', 'amount_and_date'] as const
export type MatchRule = (typeof MATCH_RULES)[number]

/** Fuzzy rules: each of their matches says why it was the only candidate. */
export const isFuzzy = (rule: MatchRule): boolean => rule !== 'reference'

export function zeroCounts(): Record<ReconcileClass, number> {
  return Object.fromEntries(RECONCILE_CLASSES.map((c) => [c, 0])) as Record<ReconcileClass, number>
}
