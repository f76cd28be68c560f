import {BalanceSheet, type ProcessorBalance} from '../balance.js'
import {disputeStatusAt, statusAt, type World} from './world.js'

/** Statuses in which a transaction's money has moved (docs/gateways.md#braintree-statuses). */
const MOVED = new Set(['settled', 'settlement_confirmed'])

/**
 * The merchant's Braintree balance at `now`: settled sales in, settled credits out, disputes not won out. Braintree
 * reports no fee on a transaction (its fees come in disbursement reports), so none is booked here either.
 */
export function braintreeBalance(world: World, now: number): ProcessorBalance[] {
  const sheet = new BalanceSheet()
  for (const t of world.txns) {
    const status = statusAt(t, now)?.status
    if (status === undefined || !MOVED.has(status)) continue
    sheet.book(t.type === 'sale' ? t.amount : {minor: 0 - t.amount.minor, currency: t.amount.currency})
  }
  for (const d of world.disputes) {
    const status = disputeStatusAt(d, now)?.status
    if (status !== undefined && status !== 'won') sheet.book({minor: 0 - d.amount.minor, currency: d.amount.currency})
  }
  return sheet.balances()
}
