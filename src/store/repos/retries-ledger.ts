import type {NormalizedTxn} from '../../core/transaction.js'
import type {Db} from '../db.js'
import {TXN_COLUMNS, txnFromRow, type TxnRow} from './txn-row.js'

/** What the retry engine asks of the mirrored transactions: whether a bill was paid, and by which payment. */

/** A succeeded payment of this customer for this invoice since the failure, other than `except`. */
export function invoicePaidBy(
  db: Db,
  q: {customerId: string; invoiceRef: string; since: string; except: readonly string[]},
): string | null {
  const id = db
    .stmt(
      `SELECT id FROM transactions WHERE customer_id = @customerId AND invoice_ref = @invoiceRef AND type = 'payment'
         AND status = 'succeeded' AND occurred_at >= @since
         AND id NOT IN (SELECT value FROM json_each(@except)) LIMIT 1`,
    )
    .pluck()
    .get({...q, except: JSON.stringify(q.except)}) as string | undefined
  return id ?? null
}

/**
 * Payments of a provider since `since` (the index on provider and time keeps this to the attempt's own days) that
 * carry this retry key somewhere in their metadata, or, when `invoice` is given, that pay this customer's invoice;
 * `except` leaves out payments already known as other attempts' (and the failed payment itself).
 */
export function paymentsOfAttempt(
  db: Db,
  q: {
    provider: string
    since: string
    key: string
    invoice: {customerId: string; invoiceRef: string} | null
    except: readonly string[]
  },
): NormalizedTxn[] {
  const rows = db
    .stmt(
      `SELECT ${TXN_COLUMNS} FROM transactions WHERE provider = @provider AND occurred_at >= @since AND type = 'payment'
         AND (instr(metadata_json, @key) > 0 OR (customer_id = @customerId AND invoice_ref = @invoiceRef))
         AND id NOT IN (SELECT value FROM json_each(@except))
       ORDER BY occurred_at DESC`,
    )
    .all({
      provider: q.provider,
      since: q.since,
      key: q.key,
      customerId: q.invoice?.customerId ?? null,
      invoiceRef: q.invoice?.invoiceRef ?? null,
      except: JSON.stringify(q.except),
    }) as TxnRow[]
  return rows.map(txnFromRow)
}
