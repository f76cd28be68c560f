import {assertCurrency} from '../../core/currency.js'
import {MoneyError} from '../../core/errors.js'
import type {Money} from '../../core/transaction.js'
import {decimalMoney, Refusal} from '../translate-kit.js'
import {facts} from './facts.js'
import type {Side} from './journal-types.js'
import {isoSeconds, wallClockToEpochMs} from './timezone.js'

/**
 * Reading one settlement details report row, whatever it books (docs/gateways.md#adyen-settlement-reports): its
 * cells by header name, its time, and its amounts, which sit in a Debit or a Credit column (the column, not a sign,
 * gives the side). A cell that cannot be read refuses the row (Refusal: quarantined with its line).
 */
export type Row = Readonly<Record<string, string>>

/** Where a row comes from: its batch file and its line (1 = the header). */
export interface RowSource {
  file: string
  batch: number
  line: number
}

export const cell = (row: Row, column: string): string => (row[column] ?? '').trim()

/** Creation Date in the row's TimeZone; rows without one (merchant-level bookings may lack it) use Booking Date. */
export function rowTime(row: Row): string {
  for (const [dateColumn, zoneColumns] of [
    ['Creation Date', ['TimeZone']],
    ['Booking Date', ['Booking Date TimeZone', 'TimeZone']],
  ] as const) {
    const date = cell(row, dateColumn)
    if (date === '') continue
    const zone = zoneColumns.map((c) => cell(row, c)).find((z) => z !== '') ?? ''
    const ms = wallClockToEpochMs(date, zone)
    if (ms === null) {
      throw new Refusal(
        'invalid_payload',
        `${dateColumn} "${date}" in TimeZone "${zone}" is not a time this parser understands`,
      )
    }
    return isoSeconds(ms)
  }
  throw new Refusal('invalid_payload', 'row has neither Creation Date nor Booking Date')
}

/** The column's currency code, upper-cased; null when empty. A code we cannot hold money in is its own reason. */
export function currencyOf(row: Row, column: string): string | null {
  const code = cell(row, column)
  if (code === '') return null
  try {
    return assertCurrency(code)
  } catch (error) {
    if (error instanceof MoneyError) throw new Refusal('unsupported_currency', `${column}: ${error.message}`)
    throw error
  }
}

/** A decimal amount in Adyen's exponent (docs/gateways.md#adyen-amounts); null when the cell is empty. */
export function amountIn(row: Row, column: string, currency: string): Money | null {
  const value = cell(row, column)
  if (value === '') return null
  return decimalMoney(value, currency, facts.wire, column)
}

export interface SidedAmount {
  money: Money
  side: Side
}

/** Exactly one of a Debit/Credit pair carries the amount, never negative (the column gives the side). */
function sided(row: Row, debitColumn: string, creditColumn: string, currency: string): SidedAmount | null {
  const unsigned = (column: string): Money | null => {
    const money = amountIn(row, column, currency)
    if (money && money.minor < 0)
      throw new Refusal('invalid_payload', `${column} "${cell(row, column)}" is negative; the column gives the side`)
    return money
  }
  const debit = unsigned(debitColumn)
  const credit = unsigned(creditColumn)
  if (debit && credit) throw new Refusal('invalid_payload', `both ${debitColumn} and ${creditColumn} are set`)
  if (debit) return {money: debit, side: 'debit'}
  if (credit) return {money: credit, side: 'credit'}
  return null
}

/** The gross amount (in the gross currency) with its side, or null when the row has none. */
export function grossAmount(row: Row): SidedAmount | null {
  const currency = currencyOf(row, 'Gross Currency')
  return currency ? sided(row, 'Gross Debit (GC)', 'Gross Credit (GC)', currency) : null
}

/** The net amount (in the net currency: what the row did to the merchant's balance) with its side, or null. */
export function netAmount(row: Row): SidedAmount | null {
  const currency = currencyOf(row, 'Net Currency')
  return currency ? sided(row, 'Net Debit (NC)', 'Net Credit (NC)', currency) : null
}

const FEE_COLUMNS = ['Commission (NC)', 'Markup (NC)', 'Scheme Fees (NC)', 'Interchange (NC)'] as const

/**
 * The costs Adyen booked with a transaction row: the fee columns' sum in the net currency, positive for a cost
 * charged (a negative cell returns one). null when the row reports no fee column at all, so "no fee reported"
 * differs from a zero fee.
 */
export function feeOf(row: Row): Money | null {
  const currency = currencyOf(row, 'Net Currency')
  if (!currency) return null
  let minor: number | null = null
  for (const column of FEE_COLUMNS) {
    const part = amountIn(row, column, currency)
    if (part) minor = (minor ?? 0) + part.minor
  }
  // 0 + -0 is +0: a fee of "-0.00" never becomes a negative zero.
  return minor === null ? null : {minor: minor + 0, currency}
}
