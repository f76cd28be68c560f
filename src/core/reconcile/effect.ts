import {accounts, targetPositions} from '../ledger.js'
import type {Money} from '../transaction.js'

const ACCOUNT = accounts.customer('-')
const SIGNS = new Map<string, number>()

/**
 * What an object in its last reported state does to its customer's balance (positive: the customer owes more), by
 * the ledger's own rules (core/ledger.ts): a succeeded payment credits, a succeeded refund and an open or lost
 * dispute debit, everything else nothing. The customer's line of those rules is the amount, its negation or
 * nothing, so the sign is asked of them once per type and status and applied to each amount.
 */
export function customerEffect(txn: {type: string; status: string; amount: Money; provider: string}): number {
  const key = `${txn.type}\u0000${txn.status}`
  let sign = SIGNS.get(key)
  if (sign === undefined) {
    sign = 0
    const unit = {
      type: txn.type as never,
      status: txn.status as never,
      amount: {minor: 1, currency: 'XTS'},
      fee: null,
      provider: '-',
    }
    for (const line of targetPositions(unit, '-')) if (line.account === ACCOUNT) sign += line.minor
    SIGNS.set(key, sign)
  }
  return sign === 0 ? 0 : sign > 0 ? txn.amount.minor : 0 - txn.amount.minor
}
