import type {NormalizedTxn} from '../../core/transaction.js'
import {bothWays} from '../ops/dialect.js'
import {dual} from '../ops/dual.js'
import {all, get, type Ops} from '../ops/op.js'
import {toSummary, type TxnSummary} from './ledger.js'
import {TXN_COLUMNS, txnFromRow, type TxnRow} from './txn-row.js'

/** Read-side queries over transactions and their state history (transactions list/show). */

export interface TxnFilter {
  site?: string
  provider?: string
  customer?: string
  status?: string
  type?: string
  /** ISO-8601 UTC: transactions that occurred at or after it. */
  since?: string
  limit: number
}

const SUMMARY_COLUMNS =
  'id, provider, type, status, amount_minor, currency, customer_id, site_id, occurred_at, updated_at'

/**
 * Newest first (by when the gateway says it occurred), id as the tie-break so pages are stable. Only the filters
 * given become conditions, so SQLite can drive the query from transactions_provider_time, _site_time or _status.
 * A customer's transactions are collected by scanning transactions_site_time alone (it carries customer_id):
 * the sync keeps no per-customer index, which would cost a randomly placed leaf for every transaction it writes.
 */
export const queryTransactions = dual(function* queryTransactions(f: TxnFilter): Ops<TxnSummary[]> {
  const sql = bothWays((w) => {
    const where: string[] = []
    if (f.site !== undefined) where.push('site_id = @site')
    if (f.provider !== undefined) where.push('provider = @provider')
    // PostgreSQL needs no index hint: it has no per-customer index to be drawn to either.
    if (f.customer !== undefined)
      where.push(
        `seq IN (SELECT seq FROM transactions${w.indexedBy('transactions_site_time')} WHERE customer_id = @customer)`,
      )
    if (f.status !== undefined) where.push('status = @status')
    if (f.type !== undefined) where.push('type = @type')
    if (f.since !== undefined) where.push('occurred_at >= @since')
    return `SELECT ${SUMMARY_COLUMNS} FROM transactions ${where.length > 0 ? `WHERE ${where.join(' AND ')}` : ''}
    ORDER BY occurred_at DESC, id DESC LIMIT @limit`
  })
  const params = Object.fromEntries(
    Object.entries({
      site: f.site,
      provider: f.provider,
      customer: f.customer,
      status: f.status,
      type: f.type,
      since: f.since,
      limit: f.limit,
    }).filter(([, v]) => v !== undefined),
  )
  return (yield* all<Record<string, string | number | null>>(sql, params)).map(toSummary)
})

export interface TxnDocuments {
  transaction: NormalizedTxn
  rawJson: string
}

const DOCUMENTS = `SELECT ${TXN_COLUMNS}, raw_json FROM transactions WHERE id = ?`

export const transactionDocuments = dual(function* transactionDocuments(id: string): Ops<TxnDocuments | null> {
  const row = yield* get<TxnRow & {raw_json: string}>(DOCUMENTS, [id])
  return row ? {transaction: txnFromRow(row), rawJson: row.raw_json} : null
})

export interface TxnStateRow {
  version: number
  status: string
  amount: {minor: number; currency: string}
  fee: {minor: number; currency: string} | null
  gatewayUpdatedAt: string
  source: string
  rawSha256: string
  recordedAt: string
}

export const transactionStates = dual(function* transactionStates(id: string): Ops<TxnStateRow[]> {
  const rows = yield* all<{
    version: number
    status: string
    amount_minor: number
    currency: string
    fee_minor: number | null
    fee_currency: string | null
    gateway_updated_at: string
    source: string
    raw_sha256: string
    recorded_at: string
  }>(
    `SELECT version, status, amount_minor, currency, fee_minor, fee_currency, gateway_updated_at, source, raw_sha256, recorded_at
       FROM transaction_states WHERE txn_seq = (SELECT seq FROM transactions WHERE id = ?) ORDER BY version`,
    [id],
  )
  return rows.map((r): TxnStateRow => ({
    version: r.version,
    status: r.status,
    amount: {minor: r.amount_minor, currency: r.currency},
    fee: r.fee_minor !== null && r.fee_currency !== null ? {minor: r.fee_minor, currency: r.fee_currency} : null,
    gatewayUpdatedAt: r.gateway_updated_at,
    source: r.source,
    rawSha256: r.raw_sha256,
    recordedAt: r.recorded_at,
  }))
})
