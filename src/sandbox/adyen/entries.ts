import type {Money} from '../../core/transaction.js'
import type {ScenarioPayment} from '../model.js'

/**
 * One line of a settlement details report batch as the sandbox's Adyen account books it: a payment's money
 * movement, or one of the merchant's own bookings (fees, payouts, deposit corrections, balance transfers).
 * No wire format here (render.ts writes them).
 */
export type Side = 'debit' | 'credit'

export interface PaymentEntry {
  kind: 'payment'
  batch: number
  at: number // epoch ms
  payment: ScenarioPayment
  type: 'Settled' | 'Refunded' | 'Chargeback' | 'ChargebackReversed'
  modification: string
  gross: Money
  side: Side
  /** Costs withheld with the row (Commission column); null when none is reported. */
  fee: Money | null
}

export interface MerchantEntry {
  kind: 'merchant'
  batch: number
  at: number
  type: 'Fee' | 'InvoiceDeduction' | 'DepositCorrection' | 'Balancetransfer' | 'MerchantPayout'
  /** Adyen writes a description here on merchant-level rows ("Transaction Fees", "Balancetransfer"). */
  modification: string
  /** Modification Merchant Reference, e.g. "Balancetransfer to batch 124". */
  note: string | null
  net: Money
  side: Side
}

export type ReportEntry = PaymentEntry | MerchantEntry

/** What a payment line does to the merchant's balance: a credit nets its costs off, a debit adds them. */
export function paymentNet(e: PaymentEntry): Money {
  const fee = e.fee?.minor ?? 0
  return {minor: e.side === 'credit' ? e.gross.minor - fee : e.gross.minor + fee, currency: e.gross.currency}
}

/** The entry's effect on the balance, signed (credit > 0). */
export function signedNet(e: ReportEntry): number {
  const net = e.kind === 'payment' ? paymentNet(e) : e.net
  return e.side === 'credit' ? net.minor : -net.minor
}

/**
 * The costs Adyen booked with the entry, charged > 0 and returned < 0: a payment line's Commission, and the
 * merchant-level fees (`Fee` "Transaction Fees", the `InvoiceDeduction` of Adyen's monthly invoice). Payouts,
 * deposit corrections and balance transfers move the balance but are no fees.
 */
export function feesOf(e: ReportEntry): number {
  if (e.kind === 'payment') return e.fee?.minor ?? 0
  if (e.type !== 'Fee' && e.type !== 'InvoiceDeduction') return 0
  return e.side === 'debit' ? e.net.minor : 0 - e.net.minor
}
