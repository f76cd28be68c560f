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
  /** Money held at the processor for the merchant. */
  clearing: (provider: string) => `clearing:${provider}`,
  fees: (provider: string) => `fees:${provider}`,
  /** Money the processor paid out to the merchant's bank. */
  payouts: (provider: string) => `payouts:${provider}`,
  /** The other side of the processor's corrections to the merchant's balance (credits and debits). */
  adjustments: (provider: string) => `adjustments:${provider}`,
  revenue: (siteId: string) => `revenue:${siteId}`,
}

type TxnFacts = Pick<NormalizedTxn, 'type' | 'status' | 'amount' | 'fee' | 'provider'>

/** 0 - x, not -x: negating a zero must not give -0, which prints as "-0.00" and is not Object.is-equal to 0. */
export function negate(minor: number): number {
  return 0 - minor
}

/**
 * Where this transaction, in its current state, leaves each account (its cumulative effect). `customerId` is the
 * customer a payment, refund or dispute belongs to; merchant-level bookings (fee, payout, adjustment) have none and
 * ignore it. One line per account and currency, never a zero one.
 */
export function targetPositions(txn: TxnFacts, customerId: string | null): PostingLine[] {
  return postingDifference(positions(txn, customerId), [])
}

function positions(txn: TxnFacts, customerId: string | null): PostingLine[] {
  const {amount, provider} = txn
  switch (txn.type) {
    case 'payment':
      if (txn.status !== 'succeeded') return []
      return [
        ...toCustomer(customerOf(txn, customerId), provider, negate(amount.minor), amount.currency),
        ...feeLines(provider, sameCurrencyFee(txn.fee, amount)),
      ]
    case 'refund':
      if (txn.status !== 'succeeded') return []
      return [
        ...toCustomer(customerOf(txn, customerId), provider, amount.minor, amount.currency),
        ...feeLines(provider, sameCurrencyFee(txn.fee, amount)),
      ]
    case 'dispute': {
      // Funds leave when a dispute opens and come back only if it is won; a fee booked with it stays whatever the
      // outcome, as the gateway reports it (a gateway that returns the fee on a win reports the fee netted).
      const withdrawn = txn.status === 'disputed' || txn.status === 'lost'
      const booked = withdrawn || txn.status === 'won'
      if (!booked) return []
      return [
        ...(withdrawn ? toCustomer(customerOf(txn, customerId), provider, amount.minor, amount.currency) : []),
        ...feeLines(provider, sameCurrencyFee(txn.fee, amount)),
      ]
    }
    case 'fee':
    case 'payout':
    case 'adjustment':
      return txn.status === 'succeeded'
        ? merchantBooking(txn.type, provider, amount, sameCurrencyFee(txn.fee, amount))
        : []
    default:
      // dispute_reversal: the dispute's own states already say whether the funds came back.
      return []
  }
}

/** The customer's account moves by `minor`; clearing takes the other side. */
function toCustomer(customerId: string, provider: string, minor: number, currency: string): PostingLine[] {
  return [
    {account: accounts.customer(customerId), minor, currency},
    {account: accounts.clearing(provider), minor: negate(minor), currency},
  ]
}

/** A fee charged (> 0) is paid out of clearing; one returned (< 0) goes back into it. */
function feeLines(provider: string, fee: Money | null): PostingLine[] {
  if (fee === null) return []
  return [
    {account: accounts.fees(provider), minor: fee.minor, currency: fee.currency},
    {account: accounts.clearing(provider), minor: negate(fee.minor), currency: fee.currency},
  ]
}

/**
 * Merchant-level bookings: signed amounts, the effect on the merchant's balance at the processor. A payout or an
 * adjustment may carry a fee of its own (PayPal's fee_amount on such a row): charged too, as a payment's fee is.
 */
function merchantBooking(
  type: 'fee' | 'payout' | 'adjustment',
  provider: string,
  amount: Money,
  fee: Money | null,
): PostingLine[] {
  const clearing = accounts.clearing(provider)
  const {minor, currency} = amount
  switch (type) {
    case 'fee':
      return feeLines(provider, amount)
    case 'payout':
      return [
        {account: accounts.payouts(provider), minor, currency},
        {account: clearing, minor: negate(minor), currency},
        ...feeLines(provider, fee),
      ]
    case 'adjustment':
      return [
        {account: clearing, minor, currency},
        {account: accounts.adjustments(provider), minor: negate(minor), currency},
        ...feeLines(provider, fee),
      ]
  }
}

function customerOf(txn: TxnFacts, customerId: string | null): string {
  if (customerId === null) throw new Error(`a ${txn.type} posts to a customer's account, and none was given`)
  return customerId
}

/** A fee in another currency than the charge (rare: cross-border settlement) is not split out here. */
function sameCurrencyFee(fee: Money | null, amount: Money): Money | null {
  return fee && fee.currency === amount.currency && fee.minor !== 0 ? fee : null
}

/** Postings that move the accounts from `posted` (sum of earlier versions) to `target`. */
export function postingDifference(target: readonly PostingLine[], posted: readonly PostingLine[]): PostingLine[] {
  const key = (l: PostingLine) => `${l.account}\u0000${l.currency}`
  const delta = new Map<string, PostingLine>()
  for (const line of target) add(delta, key(line), line, line.minor)
  for (const line of posted) add(delta, key(line), line, negate(line.minor))
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
    {account: accounts.revenue(invoice.site), minor: negate(invoice.amount.minor), currency: invoice.amount.currency},
  ]
}

export function isBalanced(lines: readonly PostingLine[]): boolean {
  const sums = new Map<string, number>()
  for (const l of lines) sums.set(l.currency, (sums.get(l.currency) ?? 0) + l.minor)
  return [...sums.values()].every((s) => s === 0)
}
