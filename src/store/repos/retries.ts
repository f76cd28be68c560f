import type {RetryStatus} from '../../core/retry/policy.js'
import type {Money} from '../../core/transaction.js'
import {bothWays} from '../ops/dialect.js'
import {dual} from '../ops/dual.js'
import {all, engine, get, run, value} from '../ops/op.js'
import {lockAuditHead} from './audit.js'

/** One retry chain: a failed payment being retried (src/core/retry/policy.ts says what each status means). */
export interface RetryRow {
  id: number
  /** The failed payment. */
  txnId: string
  /** Its provider: the primary. */
  provider: string
  customerId: string
  siteId: string
  invoiceRef: string | null
  amount: Money
  failureCode: string
  failedAt: string
  status: RetryStatus
  slotsUsed: number
  /** Open chains: when the engine looks at it next. */
  nextAt: string | null
  note: string
  recoveredTxn: string | null
  recoveredVia: 'primary' | 'fallback' | null
  recoveredSlot: number | null
  queuedAt: string
  finishedAt: string | null
  updatedAt: string
}

interface Row {
  id: number
  txn_id: string
  provider: string
  customer_id: string
  site_id: string
  invoice_ref: string | null
  amount_minor: number
  currency: string
  failure_code: string
  failed_at: string
  status: RetryStatus
  slots_used: number
  next_at: string | null
  note: string
  recovered_txn: string | null
  recovered_via: 'primary' | 'fallback' | null
  recovered_slot: number | null
  queued_at: string
  finished_at: string | null
  updated_at: string
}

const RETRY_COLUMNS = `id, txn_id, provider, customer_id, site_id, invoice_ref, amount_minor, currency, failure_code,
  failed_at, status, slots_used, next_at, note, recovered_txn, recovered_via, recovered_slot, queued_at, finished_at,
  updated_at`

function toRetryRow(r: Row): RetryRow {
  return {
    id: r.id,
    txnId: r.txn_id,
    provider: r.provider,
    customerId: r.customer_id,
    siteId: r.site_id,
    invoiceRef: r.invoice_ref,
    amount: {minor: r.amount_minor, currency: r.currency},
    failureCode: r.failure_code,
    failedAt: r.failed_at,
    status: r.status,
    slotsUsed: r.slots_used,
    nextAt: r.next_at,
    note: r.note,
    recoveredTxn: r.recovered_txn,
    recoveredVia: r.recovered_via,
    recoveredSlot: r.recovered_slot,
    queuedAt: r.queued_at,
    finishedAt: r.finished_at,
    updatedAt: r.updated_at,
  }
}

interface NewRetry {
  txnId: string
  provider: string
  customerId: string
  siteId: string
  invoiceRef: string | null
  amount: Money
  failureCode: string
  failedAt: string
  nextAt: string
  note: string
  now: string
}

/** Queues a failed payment; a payment already queued (at any time, in any state) is left alone: returns null. */
export const insertRetry = dual(function* insertRetry(r: NewRetry) {
  const id = yield* value<number>(
    `INSERT INTO retries (txn_id, provider, customer_id, site_id, invoice_ref, amount_minor, currency, failure_code,
         failed_at, status, next_at, note, queued_at, updated_at)
       VALUES (@txnId, @provider, @customerId, @siteId, @invoiceRef, @minor, @currency, @failureCode, @failedAt, 'queued',
         @nextAt, @note, @now, @now)
       ON CONFLICT (txn_id) DO NOTHING
       RETURNING id`,
    {...r, minor: r.amount.minor, currency: r.amount.currency},
  )
  return id ?? null
})

export const getRetry = dual(function* getRetry(id: number) {
  const row = yield* get<Row>(`SELECT ${RETRY_COLUMNS} FROM retries WHERE id = ?`, [id])
  return row ? toRetryRow(row) : null
})

/**
 * Holds the chain's row until the transaction ends, so that what the caller reads of it next stays true until it
 * commits. SQLite has one writer at a time already; on PostgreSQL (READ COMMITTED) a sync on another host could
 * otherwise end the chain (superseded: its bill paid) between a retry's check that it is open and the attempt it
 * records, and that attempt would then be sent.
 */
export const lockRetry = dual(function* lockRetry(id: number) {
  // The lock order on PostgreSQL: the audit chain's lock, then a chain's row (a no-op on SQLite). A sync page takes
  // that lock before anything else (apply.ts) and may then move a chain (its payment's new state); a writer that
  // moved the chain first and then waited for the lock to append its audit row would deadlock with it. Every writer
  // of a chain's row below takes it first too.
  yield* lockAuditHead.ops()
  if ((yield* engine()) === 'postgres') yield* value('SELECT id FROM retries WHERE id = ? FOR UPDATE', [id])
})

export const retryOfPayment = dual(function* retryOfPayment(txnId: string) {
  const row = yield* get<Row>(`SELECT ${RETRY_COLUMNS} FROM retries WHERE txn_id = ?`, [txnId])
  return row ? toRetryRow(row) : null
})

/** Open chains whose next look is due, oldest due first; `providers` narrows to chains whose primary is one of them. */
export const dueRetries = dual(function* dueRetries(now: string, providers: readonly string[] | null, limit: number) {
  const rows = yield* all<Row>(DUE, {now, providers: providers ? JSON.stringify(providers) : null, limit})
  return rows.map(toRetryRow)
})

const DUE = bothWays(
  (w) => `SELECT ${RETRY_COLUMNS} FROM retries WHERE next_at IS NOT NULL AND next_at <= @now
         AND (${w.unset('@providers')} OR provider ${w.inList('text', '@providers')})
       ORDER BY next_at, id LIMIT @limit`,
)

/**
 * Chains for the same customer and invoice (or, without an invoice, the same amount) that are still open: what a
 * failed payment echoing one of their attempts, or a second failure for the same bill, is folded into.
 */
export const openRetriesLike = dual(function* openRetriesLike(like: {
  customerId: string
  invoiceRef: string | null
  amount: Money
}) {
  const rows = yield* all<Row>(LIKE, {
    customerId: like.customerId,
    invoiceRef: like.invoiceRef,
    minor: like.amount.minor,
    currency: like.amount.currency,
  })
  return rows.map(toRetryRow)
})

const LIKE = bothWays(
  (w) => `SELECT ${RETRY_COLUMNS} FROM retries WHERE customer_id = @customerId AND next_at IS NOT NULL
         AND (invoice_ref = @invoiceRef OR (${w.unset('@invoiceRef')} AND amount_minor = @minor AND currency = @currency))`,
)

/**
 * An open chain's next look: the next slot (`queued`) or a re-check of an unsettled attempt (`resolving`). A chain
 * that has ended is never reopened: returns false.
 */
export const scheduleRetry = dual(function* scheduleRetry(
  id: number,
  s: {status: 'queued' | 'resolving'; nextAt: string; note: string; slotsUsed?: number; now: string},
) {
  yield* lockAuditHead.ops() // the lock order: lockRetry
  const result = yield* run(
    `UPDATE retries SET status = @status, next_at = @nextAt, note = @note,
         slots_used = COALESCE(@slotsUsed, slots_used), updated_at = @now
       WHERE id = @id AND next_at IS NOT NULL`,
    {id, status: s.status, nextAt: s.nextAt, note: s.note, slotsUsed: s.slotsUsed ?? null, now: s.now},
  )
  return result.changes > 0
})

export interface Recovery {
  txnId: string
  via: 'primary' | 'fallback'
  slot: number
}

/**
 * Ends a chain. A recovery is a fact and ends any chain, even one an admin canceled while an attempt was unsettled;
 * any other end applies only to an open chain (returns false when the chain had already ended).
 */
export const finishRetry = dual(function* finishRetry(
  id: number,
  f: {
    status: Exclude<RetryStatus, 'queued' | 'resolving'>
    note: string
    now: string
    recovery?: Recovery
    slotsUsed?: number
  },
) {
  yield* lockAuditHead.ops() // the lock order: lockRetry
  const recovery = f.recovery ?? null
  const result = yield* run(
    `UPDATE retries SET status = @status, next_at = NULL, note = @note, finished_at = @now, updated_at = @now,
         recovered_txn = @txn, recovered_via = @via, recovered_slot = @slot,
         slots_used = COALESCE(@slotsUsed, slots_used)
       WHERE id = @id AND (next_at IS NOT NULL OR (@status = 'recovered' AND status <> 'recovered'))`,
    {
      id,
      status: f.status,
      slotsUsed: f.slotsUsed ?? null,
      note: f.note,
      now: f.now,
      txn: recovery?.txnId ?? null,
      via: recovery?.via ?? null,
      slot: recovery?.slot ?? null,
    },
  )
  return result.changes > 0
})

/** Ends every open chain of a provider's failed payments (the provider is being removed); how many. */
export const cancelOpenRetriesOf = dual(function* cancelOpenRetriesOf(provider: string, note: string, now: string) {
  yield* lockAuditHead.ops() // the lock order: lockRetry
  const result = yield* run(
    `UPDATE retries SET status = 'canceled', next_at = NULL, note = ?, finished_at = ?, updated_at = ?
       WHERE provider = ? AND next_at IS NOT NULL`,
    [note, now, now, provider],
  )
  return result.changes
})

/** Chains in these statuses, most recently changed first. */
export const listRetries = dual(function* listRetries(f: {
  statuses: readonly RetryStatus[]
  provider?: string
  limit: number
}) {
  const rows = yield* all<Row>(LISTED, {
    statuses: JSON.stringify(f.statuses),
    provider: f.provider ?? null,
    limit: f.limit,
  })
  return rows.map(toRetryRow)
})

const LISTED = bothWays(
  (w) => `SELECT ${RETRY_COLUMNS} FROM retries WHERE status ${w.inList('text', '@statuses')}
         AND (${w.unset('@provider')} OR provider = @provider)
       ORDER BY updated_at DESC, id DESC LIMIT @limit`,
)

/** Whether any chain, in any status, has this primary: a removed provider's (canceled on removal) included. */
export const hasChainsOf = dual(function* hasChainsOf(provider: string) {
  return (yield* get('SELECT 1 FROM retries WHERE provider = ? LIMIT 1', [provider])) !== undefined
})
