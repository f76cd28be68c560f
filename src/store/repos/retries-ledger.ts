import {bothWays} from '../ops/dialect.js'
import {dual} from '../ops/dual.js'
import {all, value} from '../ops/op.js'
import {TXN_COLUMNS, txnFromRow, type TxnRow} from './txn-row.js'

/** What the retry engine asks of the mirrored transactions: whether a bill was paid, and by which payment. */

/** A succeeded payment of this customer for this invoice since the failure, other than `except`. */
export const invoicePaidBy = dual(function* invoicePaidBy(q: {
  customerId: string
  invoiceRef: string
  since: string
  except: readonly string[]
}) {
  const id = yield* value<string>(INVOICE_PAID_BY, {...q, except: JSON.stringify(q.except)})
  return id ?? null
})

const INVOICE_PAID_BY = bothWays(
  (w) => `SELECT id FROM transactions WHERE customer_id = @customerId AND invoice_ref = @invoiceRef AND type = 'payment'
         AND status = 'succeeded' AND occurred_at >= @since
         AND id NOT ${w.inList('text', '@except')} LIMIT 1`,
)

/**
 * Payments of a provider since `since` (the index on provider and time keeps this to the attempt's own days) that
 * carry this retry key somewhere in their metadata, or, when `invoice` is given, that pay this customer's invoice;
 * `except` leaves out payments already known as other attempts' (and the failed payment itself).
 */
export const paymentsOfAttempt = dual(function* paymentsOfAttempt(q: {
  provider: string
  since: string
  key: string
  invoice: {customerId: string; invoiceRef: string} | null
  except: readonly string[]
}) {
  const rows = yield* all<TxnRow>(PAYMENTS_OF_ATTEMPT, {
    provider: q.provider,
    since: q.since,
    key: q.key,
    customerId: q.invoice?.customerId ?? null,
    invoiceRef: q.invoice?.invoiceRef ?? null,
    except: JSON.stringify(q.except),
  })
  return rows.map(txnFromRow)
})

const PAYMENTS_OF_ATTEMPT = bothWays(
  (
    w,
  ) => `SELECT ${TXN_COLUMNS} FROM transactions WHERE provider = @provider AND occurred_at >= @since AND type = 'payment'
         AND (${w.instr('metadata_json', '@key')} > 0 OR (customer_id = @customerId AND invoice_ref = @invoiceRef))
         AND id NOT ${w.inList('text', '@except')}
       ORDER BY occurred_at DESC`,
)
