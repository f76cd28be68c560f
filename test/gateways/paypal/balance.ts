import type {Money, NormalizedTxn} from '../../../src/core/transaction.js'
import type {ProcessorBalance} from '../../../src/sandbox/balance.js'

/**
 * What the adapter's transactions say the merchant holds at PayPal, per currency, by the conventions of
 * core/transaction.ts and docs/gateways.md#paypal-transaction-search (the latest version of each object
 * counts): a succeeded payment adds its amount less its fee; a succeeded refund takes its amount and its fee
 * change (a returned fee is negative); an open or lost dispute takes its amount; merchant-level bookings move
 * the balance by their signed amount (a fee charged and a payout out, an adjustment as signed) and their fee.
 * Written from the conventions, not from the adapter, so it can disagree with the emulator's own balance.
 */
export function impliedBalances(items: readonly NormalizedTxn[]): Money[] {
  const latest = new Map(items.map((t) => [t.externalId, t]))
  const sums = new Map<string, number>()
  const add = (currency: string, minor: number) => sums.set(currency, (sums.get(currency) ?? 0) + minor)
  for (const t of latest.values()) {
    const fee = t.fee?.minor ?? 0
    const {minor, currency} = t.amount
    if (t.type === 'dispute') {
      if (t.status === 'disputed' || t.status === 'lost') add(currency, -minor)
      continue
    }
    if (t.status !== 'succeeded') continue
    if (t.type === 'payment' || t.type === 'adjustment') add(currency, minor - fee)
    else add(currency, -minor - fee) // refund, fee, payout
  }
  return [...sums.entries()]
    .filter(([, minor]) => minor !== 0)
    .sort(([a], [b]) => (a < b ? -1 : 1))
    .map(([currency, minor]) => ({minor, currency}))
}

/** The net half of the emulator's balance (src/sandbox/balance.ts), in the shape impliedBalances returns. */
export const netOf = (b: ProcessorBalance): Money => ({minor: b.net, currency: b.currency})
