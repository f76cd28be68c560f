import {accounts, targetPositions} from '../ledger.js'
import type {Money} from '../transaction.js'

const ACCOUNT = accounts.customer('-')

/**
 * What an object in its last reported state does to its customer's balance (positive: the customer owes more), by
 * the ledger's own rules (core/ledger.ts): a succeeded payment credits, a succeeded refund and an open or lost
 * dispute debit, everything else nothing.
 */
export function customerEffect(txn: {type: string; status: string; amount: Money; provider: string}): number {
  let minor = 0
  const facts = {...txn, type: txn.type as never, status: txn.status as never, fee: null}
  for (const line of targetPositions(facts, '-')) if (line.account === ACCOUNT) minor += line.minor
  return minor
}
