import type {Db} from '../db.js'

/**
 * Whether the postings a transaction wrote at `at` moved this customer's account: a fee learned later posts to fees
 * and clearing only, and changes no balance a customer has.
 */
export function customerAccountMoved(db: Db, txnId: string, customerId: string, at: string): boolean {
  return (
    db
      .stmt(
        `SELECT 1 FROM ledger_postings WHERE txn_seq = (SELECT seq FROM transactions WHERE id = ?)
         AND account = ? AND posted_at = ? LIMIT 1`,
      )
      .get(txnId, `customer:${customerId}`, at) !== undefined
  )
}
