import type {NormalizedTxn} from '../../core/transaction.js'
import type {Db} from '../db.js'
import {IDENTITY_COLUMNS, TXN_COLUMN_LIST, TXN_COLUMNS, txnFromRow, txnValues, type TxnRow} from './txn-row.js'

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
    (TxnRow & {seq: number; version: number; customer_id: string | null; site_id: string | null}) | undefined
  return row
    ? {seq: row.seq, version: row.version, customerId: row.customer_id, siteId: row.site_id, txn: txnFromRow(row)}
    : null
}

export interface TxnWrite {
  txn: NormalizedTxn
  rawJson: string
  rawSha256: string
  version: number
  /** The customer and site it belongs to; null for a merchant-level booking (fee, payout, adjustment). */
  customerId: string | null
  siteId: string | null
  source: 'pull' | 'webhook' | 'replay' | 'retry'
  /** The commit's time (one per page): first/last seen and the history row's recorded time. */
  now: string
}

// A new state replaces everything but the identity and first_seen_at.
const UPDATE = `UPDATE transactions SET ${TXN_COLUMN_LIST.slice(IDENTITY_COLUMNS)
  .map((c) => `${c} = ?`)
  .join(', ')}, customer_id = ?, site_id = ?, version = ?, raw_json = ?, last_seen_at = ? WHERE seq = ?`

const INSERT = `INSERT INTO transactions (${TXN_COLUMNS}, customer_id, site_id, version, raw_json, first_seen_at, last_seen_at)
  VALUES (${TXN_COLUMN_LIST.map(() => '?').join(', ')}, ?, ?, ?, ?, ?, ?)`

const INSERT_STATE = `INSERT INTO transaction_states (txn_seq, txn_id, version, status, amount_minor, currency, fee_minor, fee_currency,
  gateway_updated_at, source, raw_sha256, recorded_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT DO NOTHING`

/**
 * Writes the latest state and its history row; returns the transaction's seq. The caller decided this is a new
 * version, and knows from getTxnState (under the same write lock) whether the transaction exists: `seq` when it does.
 * A plain INSERT or UPDATE, not an upsert: no conflict handling or RETURNING for the common case of a new object.
 */
export function writeTxnVersion(db: Db, w: TxnWrite, seq: number | null): number {
  const t = w.txn
  const values = txnValues(t)
  if (seq === null) {
    seq = Number(
      db.stmt(INSERT).run(...values, w.customerId, w.siteId, w.version, w.rawJson, w.now, w.now).lastInsertRowid,
    )
  } else {
    db.stmt(UPDATE).run(...values.slice(IDENTITY_COLUMNS), w.customerId, w.siteId, w.version, w.rawJson, w.now, seq)
  }
  db.stmt(INSERT_STATE).run(
    seq,
    t.id,
    w.version,
    t.status,
    t.amount.minor,
    t.amount.currency,
    t.fee?.minor ?? null,
    t.fee?.currency ?? null,
    t.updatedAt,
    w.source,
    w.rawSha256,
    w.now,
  )
  return seq
}

/**
 * The parent payment as the ledger holds it (refunds and disputes inherit its customer and site), or null when it
 * is not in the ledger: never seen, or held in quarantine.
 */
export function storedParent(
  db: Db,
  provider: string,
  parentExternalId: string,
): {customerId: string | null; siteId: string | null} | null {
  const row = db
    .stmt('SELECT customer_id, site_id FROM transactions WHERE id = ?')
    .get(`${provider}:${parentExternalId}`) as {customer_id: string | null; site_id: string | null} | undefined
  return row ? {customerId: row.customer_id, siteId: row.site_id} : null
}

/** Every stored transaction as the sync last wrote it (optionally one provider's), in arrival order. */
export function storedTransactions(
  db: Db,
  provider?: string,
): Array<{txn: NormalizedTxn; customerId: string | null; siteId: string | null}> {
  const rows = db
    .stmt(
      `SELECT customer_id, site_id, ${TXN_COLUMNS} FROM transactions WHERE (? IS NULL OR provider = ?) ORDER BY seq`,
    )
    .all(provider ?? null, provider ?? null) as Array<TxnRow & {customer_id: string | null; site_id: string | null}>
  return rows.map((r) => ({txn: txnFromRow(r), customerId: r.customer_id, siteId: r.site_id}))
}
