import type {NormalizedTxn} from '../../core/transaction.js'
import type {Db} from '../db.js'
import {TXN_COLUMNS, txnFromRow, txnValues, type TxnRow} from './txn-row.js'

export interface StoredTxnState {
  seq: number
  version: number
  customerId: string | null
  siteId: string | null
  txn: NormalizedTxn
}

// Built once: a statement is looked up by its text on every call, and a freshly built string is hashed anew.
const GET_STATE = `SELECT seq, version, customer_id, site_id, ${TXN_COLUMNS} FROM transactions WHERE id = ?`

export function getTxnState(db: Db, id: string): StoredTxnState | null {
  const row = db.stmt(GET_STATE).get(id) as
    | (TxnRow & {seq: number; version: number; customer_id: string | null; site_id: string | null})
    | undefined
  return row ? {seq: row.seq, version: row.version, customerId: row.customer_id, siteId: row.site_id, txn: txnFromRow(row)} : null
}

export interface TxnWrite {
  txn: NormalizedTxn
  rawJson: string
  rawSha256: string
  version: number
  customerId: string
  siteId: string
  source: 'pull' | 'webhook' | 'replay'
  /** The commit's time (one per page): first/last seen and the history row's recorded time. */
  now: string
}

const UPDATED = TXN_COLUMNS.split(',')
  .map((c) => c.trim())
  .filter((c) => !['id', 'provider', 'kind', 'external_id'].includes(c))
  .map((c) => `${c} = excluded.${c}`)
  .join(', ')

const UPSERT = `INSERT INTO transactions (${TXN_COLUMNS}, customer_id, site_id, version, raw_json, first_seen_at, last_seen_at)
  VALUES (${'?, '.repeat(22)}?, ?, ?, ?, ?, ?)
  ON CONFLICT (id) DO UPDATE SET ${UPDATED}, customer_id = excluded.customer_id, site_id = excluded.site_id,
    version = excluded.version, raw_json = excluded.raw_json, last_seen_at = excluded.last_seen_at
  RETURNING seq`

/** Writes the latest state and its history row; returns the transaction's seq. The caller decided this is a new version. */
export function writeTxnVersion(db: Db, w: TxnWrite): number {
  const t = w.txn
  const seq = db
    .stmt(UPSERT)
    .pluck()
    .get(...txnValues(t), w.customerId, w.siteId, w.version, w.rawJson, w.now, w.now) as number
  db.stmt(
    `INSERT INTO transaction_states (txn_seq, txn_id, version, status, amount_minor, currency, fee_minor, fee_currency,
       gateway_updated_at, source, raw_sha256, recorded_at)
     VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT DO NOTHING`,
  ).run(seq, t.id, w.version, t.status, t.amount.minor, t.amount.currency, t.fee?.minor ?? null, t.fee?.currency ?? null, t.updatedAt, w.source, w.rawSha256, w.now)
  return seq
}

/** The customer and site a parent payment was resolved to (refunds and disputes inherit them). */
export function parentOwner(db: Db, provider: string, parentExternalId: string): {customerId: string; siteId: string} | null {
  const row = db.stmt('SELECT customer_id, site_id FROM transactions WHERE id = ?').get(`${provider}:${parentExternalId}`) as
    | {customer_id: string | null; site_id: string | null}
    | undefined
  return row?.customer_id && row.site_id ? {customerId: row.customer_id, siteId: row.site_id} : null
}

/** Every stored transaction as the sync last wrote it (optionally one provider's), in arrival order. */
export function storedTransactions(db: Db, provider?: string): Array<{txn: NormalizedTxn; customerId: string | null; siteId: string | null}> {
  const rows = db.stmt(`SELECT customer_id, site_id, ${TXN_COLUMNS} FROM transactions WHERE (? IS NULL OR provider = ?) ORDER BY seq`).all(provider ?? null, provider ?? null) as Array<TxnRow & {customer_id: string | null; site_id: string | null}>
  return rows.map((r) => ({txn: txnFromRow(r), customerId: r.customer_id, siteId: r.site_id}))
}
