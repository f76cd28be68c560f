import type {Money} from '../../core/transaction.js'
import {PROFILES} from '../fees.js'
import type {MerchantEntry, PaymentEntry, ReportEntry, Side} from './entries.js'
import {signedNet} from './entries.js'

/**
 * The sandbox account's payable batches: each batch's payment lines plus the merchant-level bookings an Adyen
 * account adds to it (docs/gateways.md#adyen-settlement-reports), per currency:
 * - `Fee` "Transaction Fees": Adyen's per-transaction fee for the batch's settled payments (one row per month;
 *   batches here are days);
 * - `InvoiceDeduction` on the first day of a month;
 * - `DepositCorrection`: a security deposit withheld on days ending in 4 and released on days ending in 8;
 * - then the batch's balance: paid out (`MerchantPayout`) when positive; carried to the next batch as two
 *   `Balancetransfer` legs when negative, or when the payout is held (every ninth batch); the last batch keeps it.
 * Amounts derive from the currency's sandbox profile, so every currency steps as its gateways require.
 */
export interface BatchCalendar {
  lastBatch: number
  /** Epoch ms of batch n's first and (exclusive) last instant. */
  opensAt(n: number): number
  closesAt(n: number): number
}

const SECOND = 1000

export function bookBatches(
  payments: ReadonlyMap<number, readonly PaymentEntry[]>,
  calendar: BatchCalendar,
): Map<number, ReportEntry[]> {
  const out = new Map<number, ReportEntry[]>()
  const deposits = new Map<string, number>()
  let carried: MerchantEntry[] = []
  for (let n = 1; n <= calendar.lastBatch; n++) {
    const lines: ReportEntry[] = [...carried, ...(payments.get(n) ?? [])]
    const currencies = [...new Set(lines.map((e) => currencyOf(e)))].sort()
    for (const currency of currencies) lines.push(...costs(n, currency, lines, deposits, calendar))
    carried = []
    for (const currency of currencies) {
      const balance = lines.filter((e) => currencyOf(e) === currency).reduce((sum, e) => sum + signedNet(e), 0)
      const close = settle(n, currency, balance, calendar)
      lines.push(...close.here)
      carried.push(...close.next)
    }
    out.set(
      n,
      lines.sort((a, b) => a.at - b.at),
    )
  }
  return out
}

/** Batch n's fees and deposit corrections in one currency; `deposits` holds what is withheld per currency. */
function costs(
  n: number,
  currency: string,
  lines: readonly ReportEntry[],
  deposits: Map<string, number>,
  calendar: BatchCalendar,
): MerchantEntry[] {
  const step = PROFILES[currency]?.step ?? 1
  const at = calendar.closesAt(n) - 2 * SECOND
  const book = (type: MerchantEntry['type'], modification: string, side: Side, minor: number): MerchantEntry =>
    merchantEntry(n, at, type, modification, null, side, {minor, currency})
  const out: MerchantEntry[] = []
  const settled = lines.filter((e) => e.kind === 'payment' && e.type === 'Settled' && currencyOf(e) === currency)
  if (settled.length > 0) out.push(book('Fee', 'Transaction Fees', 'debit', settled.length * 10 * step))
  if (dayOfMonth(calendar.opensAt(n)) === 1)
    out.push(book('InvoiceDeduction', 'Invoice Deduction', 'debit', 500 * step))
  const held = deposits.get(currency) ?? 0
  if (n % 10 === 4 && held === 0) {
    deposits.set(currency, 2000 * step)
    out.push(book('DepositCorrection', 'Deposit Correction', 'debit', 2000 * step))
  } else if (n % 10 === 8 && held > 0) {
    deposits.set(currency, 0)
    out.push(book('DepositCorrection', 'Deposit Correction', 'credit', held))
  }
  return out
}

/** How batch n's balance in one currency ends: the rows in batch n, and the leg carried into batch n + 1. */
function settle(
  n: number,
  currency: string,
  balance: number,
  calendar: BatchCalendar,
): {here: MerchantEntry[]; next: MerchantEntry[]} {
  if (balance === 0) return {here: [], next: []}
  const amount: Money = {minor: Math.abs(balance), currency}
  const at = calendar.closesAt(n) - SECOND
  const last = n === calendar.lastBatch
  if (balance > 0 && (last || n % 9 !== 0)) {
    return {here: [merchantEntry(n, at, 'MerchantPayout', 'MerchantPayout', null, 'debit', amount)], next: []}
  }
  if (last) return {here: [], next: []}
  // A deficit is cleared here (credit) and owed in the next batch (debit); a held payout goes the other way.
  const outgoing: Side = balance > 0 ? 'debit' : 'credit'
  const incoming: Side = balance > 0 ? 'credit' : 'debit'
  return {
    here: [
      merchantEntry(n, at, 'Balancetransfer', 'Balancetransfer', `Balancetransfer to batch ${n + 1}`, outgoing, amount),
    ],
    next: [
      merchantEntry(
        n + 1,
        calendar.opensAt(n + 1) + SECOND,
        'Balancetransfer',
        'Balancetransfer',
        `Balancetransfer from batch ${n}`,
        incoming,
        amount,
      ),
    ],
  }
}

function merchantEntry(
  batch: number,
  at: number,
  type: MerchantEntry['type'],
  modification: string,
  note: string | null,
  side: Side,
  net: Money,
): MerchantEntry {
  return {kind: 'merchant', batch, at, type, modification, note, side, net}
}

function currencyOf(e: ReportEntry): string {
  return e.kind === 'payment' ? e.gross.currency : e.net.currency
}

function dayOfMonth(ms: number): number {
  return new Date(ms).getUTCDate()
}
