import {BalanceSheet, type ProcessorBalance} from '../balance.js'
import {feesOf, type ReportEntry, signedNet} from './entries.js'

/**
 * The merchant's balance at Adyen at `nowMs` (src/sandbox/balance.ts), read from the settlement details report
 * lines the account books: every line booked by then, payment lines and the merchant's own (fees, payouts,
 * deposit corrections, balance transfers), by its signed net and the costs booked with it.
 */
export function adyenBalance(entries: Iterable<ReportEntry>, nowMs: number): ProcessorBalance[] {
  const sheet = new BalanceSheet()
  for (const e of entries) {
    if (e.at > nowMs) continue
    const currency = e.kind === 'payment' ? e.gross.currency : e.net.currency
    sheet.book({minor: signedNet(e), currency}, {minor: feesOf(e), currency})
  }
  return sheet.balances()
}
