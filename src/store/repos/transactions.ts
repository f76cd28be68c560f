import type {NormalizedTxn} from '../../core/transaction.js'
import {bothWays} from '../ops/dialect.js'
import {dual} from '../ops/dual.js'
import {all, engine, get, type HeldInsert, later, type Ops, run, value, values} from '../ops/op.js'
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

export const getTxnState = dual(function* getTxnState(id: string): Ops<StoredTxnState | null> {
  const row = yield* get<StateRow>(GET_STATE, [id])
  return row ? toState(row) : null
})

type StateRow = TxnRow & {seq: number; version: number; customer_id: string | null; site_id: string | null}

function toState(row: StateRow): StoredTxnState {
  return {seq: row.seq, version: row.version, customerId: row.customer_id, siteId: row.site_id, txn: txnFromRow(row)}
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

const INSERT_STATE: HeldInsert = {
  head: `INSERT INTO transaction_states (txn_seq, txn_id, version, status, amount_minor, currency, fee_minor, fee_currency,
  gateway_updated_at, source, raw_sha256, recorded_at)`,
  row: '(?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)',
  tail: 'ON CONFLICT DO NOTHING',
}

// The first state of a transaction new in this write: on PostgreSQL its seq is new, so no state of it exists yet.
const INSERT_FIRST_STATE: HeldInsert = {...INSERT_STATE, copy: true}

// A new transaction whose seq the page reserved (reserveSeqs): nothing to hand back, so its row can wait for the
// page's other new rows and go with them in one statement (by COPY).
const INSERT_WITH_SEQ: HeldInsert = {
  head: `INSERT INTO transactions (seq, ${TXN_COLUMNS}, customer_id, site_id, version, raw_json, first_seen_at, last_seen_at)`,
  row: `(?, ${TXN_COLUMN_LIST.map(() => '?').join(', ')}, ?, ?, ?, ?, ?, ?)`,
  tail: '',
  referenced: true,
  copy: true,
}

const STATES_IN = bothWays(
  (w) => `SELECT seq, version, customer_id, site_id, ${TXN_COLUMNS} FROM transactions WHERE id ${w.inList('text')}`,
)

/**
 * The stored state of each of these ids at once, null for an id not in the ledger: for PostgreSQL, one statement
 * for a page's getTxnState calls (SQLite answers those point reads faster one by one).
 */
export const txnStatesIn = dual(function* txnStatesIn(ids: readonly string[]): Ops<Map<string, StoredTxnState | null>> {
  const found = new Map<string, StoredTxnState | null>(ids.map((id) => [id, null]))
  if (ids.length === 0) return found
  const rows = yield* all<StateRow>(STATES_IN, [JSON.stringify(ids)])
  for (const row of rows) found.set(row.id, toState(row))
  return found
})

/**
 * `count` seqs for new transactions, taken from the column's sequence ahead of their inserts (PostgreSQL only): a
 * new row then needs no RETURNING, and can wait to go with the page's other new rows (writeTxnVersion's `fresh`).
 * A seq reserved and not used is a gap, as a rolled-back insert leaves.
 */
export const reserveSeqs = dual(function* reserveSeqs(count: number): Ops<number[]> {
  if (count === 0) return []
  return yield* values<number>(
    `SELECT nextval(pg_get_serial_sequence('transactions', 'seq')) FROM generate_series(1, CAST(? AS integer))`,
    [count],
  )
})

// PostgreSQL hands the new seq back with the INSERT. SQLite asks for it after a plain INSERT instead: RETURNING
// costs its commonest statement about a quarter more CPU (a 28-column row: 6.0 us against 4.9, measured through
// better-sqlite3), last_insert_rowid() about 0.1 us.
const INSERT_RETURNING = `${INSERT} RETURNING seq`
const LAST_ROWID = 'SELECT last_insert_rowid()'

/**
 * Writes the latest state and its history row; returns the transaction's seq. The caller decided this is a new
 * version, and knows from getTxnState (under the same write lock) whether the transaction exists: `seq` when it does.
 * A plain INSERT or UPDATE, not an upsert: no conflict handling or RETURNING for the common case of a new object.
 */
export const writeTxnVersion = dual(function* writeTxnVersion(
  w: TxnWrite,
  seq: number | null,
  /** For a new transaction, a seq reserveSeqs gave: the insert then waits to go with the page's others. */
  fresh?: number,
): Ops<number> {
  const t = w.txn
  const isNew = seq === null
  // A fresh array each call: the row's other values go on its end rather than into a copy.
  const values = txnValues(t)
  if (seq === null && fresh !== undefined) {
    values.unshift(fresh)
    values.push(w.customerId, w.siteId, w.version, w.rawJson, w.now, w.now)
    yield* later(INSERT_WITH_SEQ, 1, values)
    seq = fresh
  } else if (seq === null) {
    values.push(w.customerId, w.siteId, w.version, w.rawJson, w.now, w.now)
    if ((yield* engine()) === 'sqlite') {
      yield* run(INSERT, values)
      seq = (yield* value<number>(LAST_ROWID))!
    } else {
      seq = (yield* value<number>(INSERT_RETURNING, values))!
    }
  } else {
    const row = values.slice(IDENTITY_COLUMNS)
    row.push(w.customerId, w.siteId, w.version, w.rawJson, w.now, seq)
    yield* run(UPDATE, row)
  }
  yield* later(isNew ? INSERT_FIRST_STATE : INSERT_STATE, 1, [
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
  ])
  return seq
})

/**
 * The parent payment as the ledger holds it (refunds and disputes inherit its customer and site), or null when it
 * is not in the ledger: never seen, or held in quarantine.
 */
export const storedParent = dual(function* storedParent(
  provider: string,
  parentExternalId: string,
): Ops<{customerId: string | null; siteId: string | null} | null> {
  const row = yield* get<{customer_id: string | null; site_id: string | null}>(
    'SELECT customer_id, site_id FROM transactions WHERE id = ?',
    [`${provider}:${parentExternalId}`],
  )
  return row ? {customerId: row.customer_id, siteId: row.site_id} : null
})

const STORED = bothWays(
  (w) =>
    `SELECT customer_id, site_id, ${TXN_COLUMNS} FROM transactions WHERE (${w.unset('?')} OR provider = ?) ORDER BY seq`,
)

/** Every stored transaction as the sync last wrote it (optionally one provider's), in arrival order. */
export const storedTransactions = dual(function* storedTransactions(
  provider?: string,
): Ops<Array<{txn: NormalizedTxn; customerId: string | null; siteId: string | null}>> {
  const rows = yield* all<TxnRow & {customer_id: string | null; site_id: string | null}>(STORED, [
    provider ?? null,
    provider ?? null,
  ])
  return rows.map((r) => ({txn: txnFromRow(r), customerId: r.customer_id, siteId: r.site_id}))
})
