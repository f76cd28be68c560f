import {dual} from '../ops/dual.js'
import {get} from '../ops/op.js'

/**
 * Whether the postings a transaction wrote at `at` moved this customer's account: a fee learned later posts to fees
 * and clearing only, and changes no balance a customer has.
 */
export const customerAccountMoved = dual(function* customerAccountMoved(txnId: string, customerId: string, at: string) {
  return (
    (yield* get(
      `SELECT 1 FROM ledger_postings WHERE txn_seq = (SELECT seq FROM transactions WHERE id = ?)
         AND account = ? AND posted_at = ? LIMIT 1`,
      [txnId, `customer:${customerId}`, at],
    )) !== undefined
  )
})
