import type {Money, NormalizedTxn} from './transaction.js'

/**
 * Double-entry rules. Amounts are signed minor units: debit positive, credit negative; every posting set sums
 * to zero per currency. A customer's balance is the sum of `customer:<id>`: positive means the customer owes.
 * A transaction's postings are the DIFFERENCE between where its current state should leave the accounts and what
 * earlier versions already posted, so history is never edited and re-applying a state posts nothing.
 */
export interface PostingLine {
  account: string
  minor: number
  currency: string
}

export const accounts = {
  customer: (customerId: string) => `customer:${customerId}`,
  clearing: (provider: string) => `clearing:${provider}`,
  fees: (provider: string) => `fees:${provider}`,
  revenue: (siteId: string) => `revenue:${siteId}`,
}

type TxnFacts = Pick<NormalizedTxn, 'type' | 'status' | 'amount' | 'fee' | 'provider'>

/** Where this transaction, in its current state, leaves each account (its cumulative effect). */
export function targetPositions(txn: TxnFacts, customerId: string): PostingLine[] {
  const {amount, provider} = txn
  const customer = accounts.customer(customerId)
  const clearing = accounts.clearing(provider)
  switch (txn.type) {
    case 'payment': {
      if (txn.status !== 'succeeded') return []
      const fee = sameCurrencyFee(txn.fee, amount)
      const lines: PostingLine[] = [
        {account: customer, minor: -amount.minor, currency: amount.currency},
        {account: clearing, minor: amount.minor - fee, currency: amount.currency},
      ]
      if (fee !== 0) lines.push({account: accounts.fees(provider), minor: fee, currency: amount.currency})
      return lines
    }
    case 'refund':
      if (txn.status !== 'succeeded') return []
      return reversal(customer, clearing, amount)
    case 'dispute':
      // Funds leave when a dispute opens and come back only if it is won.
      if (txn.status !== 'disputed' && txn.status !== 'lost') return []
      return reversal(customer, clearing, amount)
    default:
      // fees, payouts and adjustments move money between the processor and the merchant, not the customer.
      return []
  }
}

function reversal(customer: string, clearing: string, amount: Money): PostingLine[] {
  return [
    {account: customer, minor: amount.minor, currency: amount.currency},
    {account: clearing, minor: -amount.minor, currency: amount.currency},
  ]
}

/** A fee in another currency than the charge (rare: cross-border settlement) is not split out here. */
function sameCurrencyFee(fee: Money | null, amount: Money): number {
  return fee && fee.currency === amount.currency ? fee.minor : 0
}

/** Postings that move the accounts from `posted` (sum of earlier versions) to `target`. */
export function postingDifference(target: readonly PostingLine[], posted: readonly PostingLine[]): PostingLine[] {
  const key = (l: PostingLine) => `${l.account}\u0000${l.currency}`
  const delta = new Map<string, PostingLine>()
  for (const line of target) add(delta, key(line), line, line.minor)
  for (const line of posted) add(delta, key(line), line, -line.minor)
  return [...delta.values()].filter((l) => l.minor !== 0)
}

function add(map: Map<string, PostingLine>, k: string, line: PostingLine, minor: number): void {
  const existing = map.get(k)
  if (existing) existing.minor += minor
  else map.set(k, {account: line.account, currency: line.currency, minor})
}

/** An invoice from the billing cycle: the customer owes it to the site. */
export function invoicePositions(invoice: {customer: string; site: string; amount: Money}): PostingLine[] {
  return [
    {account: accounts.customer(invoice.customer), minor: invoice.amount.minor, currency: invoice.amount.currency},
    {account: accounts.revenue(invoice.site), minor: -invoice.amount.minor, currency: invoice.amount.currency},
  ]
}

export function isBalanced(lines: readonly PostingLine[]): boolean {
  const sums = new Map<string, number>()
  for (const l of lines) sums.set(l.currency, (sums.get(l.currency) ?? 0) + l.minor)
  return [...sums.values()].every((s) => s === 0)
}
