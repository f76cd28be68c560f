import type {Money} from '../../core/transaction.js'
import {PROFILES} from '../fees.js'
import type {Scenario} from '../model.js'
import type {PaypalIds} from './ids.js'
import {pp, reportTime} from './render.js'
import type {ReportRow} from './search-rows.js'

const WEEK_MS = 7 * 86_400_000

/**
 * The merchant's withdrawals to its bank (T0400, "general withdrawal from PayPal account"), so the transaction
 * search carries merchant-level rows as a real account's does: every 7 days from the scenario's start, half of
 * each currency's balance (rounded down to the currency's step) goes out, a debit on the account. Derived from
 * the rows' own balance effects, so the same world always withdraws the same.
 */
export function payoutRows(rows: readonly ReportRow[], scenario: Scenario, ids: PaypalIds): ReportRow[] {
  const events = rows.flatMap((r) => (r.booked ? [r.booked] : [])).sort((a, b) => (a.at < b.at ? -1 : 1))
  const balance = new Map<string, number>()
  const payouts: ReportRow[] = []
  let next = 0
  const end = Date.parse(scenario.end)
  for (let week = 1, t = Date.parse(scenario.start) + WEEK_MS; t <= end; week++, t += WEEK_MS) {
    const at = new Date(t).toISOString()
    for (; next < events.length && events[next]!.at <= at; next++) {
      const {net} = events[next]!
      balance.set(net.currency, (balance.get(net.currency) ?? 0) + net.minor)
    }
    for (const currency of [...balance.keys()].sort()) {
      const step = PROFILES[currency]?.step ?? 1
      const minor = Math.floor(Math.floor(balance.get(currency)! / 2) / step) * step
      if (minor <= 0) continue
      balance.set(currency, balance.get(currency)! - minor)
      payouts.push(withdrawal(ids.payout(currency, week), at, {minor, currency}))
    }
  }
  return payouts
}

function withdrawal(id: string, at: string, amount: Money): ReportRow {
  const effect = {minor: -amount.minor, currency: amount.currency}
  return {
    id,
    date: at,
    denied: () => false,
    booked: {at, net: effect, fees: 0},
    render: () => ({
      transaction_info: {
        transaction_id: id,
        transaction_event_code: 'T0400',
        transaction_initiation_date: reportTime(at),
        transaction_updated_date: reportTime(at),
        transaction_amount: pp(effect),
        transaction_status: 'S',
        transaction_subject: 'Withdrawal to bank account',
      },
    }),
  }
}
