import type {Money} from '../transaction.js'

/** A payment amount in an invoice's currency at the rate of the payment's date, and the rate that made it. */
export interface Conversion {
  amount: Money
  /** The rate as a decimal (quote per base), its date, and the currencies walked (e.g. USD, EUR). */
  rate: string
  rateDate: string
  path: string[]
}

/** The fx service as the reconciliation sees it: null when no rate exists on or before `date`. */
export type Convert = (amount: Money, to: string, date: string) => Conversion | null

/** YYYY-MM-DD of an ISO time: the date whose rate converts an amount. */
export const dateOf = (iso: string): string => iso.slice(0, 10)
