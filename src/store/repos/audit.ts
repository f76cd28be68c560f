import type {AuditRecord} from '../../core/audit-chain.js'
import {dual} from '../ops/dual.js'
import {all, each, get, lockForTransaction, send} from '../ops/op.js'

/** Raw access to audit_log. Hashing, redaction and verification live in services/audit. */

/** An audit_log row as stored (either engine returns the same shape). */
export interface AuditRow {
  seq: number
  at: string
  actor: string
  action: string
  provider: string | null
  subject: string | null
  outcome: string
  details_json: string
  prev_hash: string
  hash: string
}

export const AUDIT_COLUMNS = 'seq, at, actor, action, provider, subject, outcome, details_json, prev_hash, hash'

/**
 * An arbitrary constant naming the audit chain's head among PostgreSQL's advisory locks (any 64-bit number no other
 * lock of this database uses).
 */
export const AUDIT_HEAD_LOCK = 7_944_301

/**
 * Waits until no other transaction can append to the chain before this one commits. The chain is linear: two
 * writers that both read the same head would both append seq N+1 (one refused, or, worse, a fork). SQLite has one
 * writer at a time already; PostgreSQL's READ COMMITTED writers take this transaction-level lock before reading the
 * head, and hold it until they commit, so the head each reads is the latest committed one.
 */
export const lockAuditHead = dual(function* lockAuditHead() {
  yield* lockForTransaction(AUDIT_HEAD_LOCK)
})

export const lastAuditRow = dual(function* lastAuditRow() {
  const row = yield* get<{seq: number; hash: string}>('SELECT seq, hash FROM audit_log ORDER BY seq DESC LIMIT 1')
  return row ?? null
})

export const insertAuditRow = dual(function* insertAuditRow(record: AuditRecord) {
  yield* send(
    `INSERT INTO audit_log (${AUDIT_COLUMNS})
     VALUES (@seq, @at, @actor, @action, @provider, @subject, @outcome, @detailsJson, @prevHash, @hash)`,
    record as unknown as Record<string, unknown>,
  )
})

/** Every row in seq order, each to `row` as it is read. */
export const eachAuditRow = dual(function* eachAuditRow(row: (record: AuditRecord) => void) {
  yield* each<AuditRow>(`SELECT ${AUDIT_COLUMNS} FROM audit_log ORDER BY seq`, [], (stored) => row(toRecord(stored)))
})

export interface AuditFilter {
  since?: string // at >= since
  until?: string // at < until
  /** Exact action, or a prefix ending in '*' ("providers.*"). */
  action?: string
  provider?: string
  actor?: string
  subject?: string
  /** The most recent `limit` matching rows (still returned oldest first). */
  limit?: number
}

export const queryAuditRows = dual(function* queryAuditRows(filter: AuditFilter = {}) {
  const action = filter.action ?? null
  const prefix = action !== null && action.endsWith('*') ? action.slice(0, -1) : null
  // CAST(@x AS TEXT) IS NULL: PostgreSQL types a parameter at its first use, and a bare `$1 IS NULL` has none.
  const rows = yield* all<AuditRow>(
    `SELECT * FROM (
         SELECT ${AUDIT_COLUMNS} FROM audit_log
         WHERE (CAST(@since AS TEXT) IS NULL OR at >= @since) AND (CAST(@until AS TEXT) IS NULL OR at < @until)
           AND (CAST(@action AS TEXT) IS NULL OR action = @action)
           AND (CAST(@prefix AS TEXT) IS NULL OR substr(action, 1, length(@prefix)) = @prefix)
           AND (CAST(@provider AS TEXT) IS NULL OR provider = @provider) AND (CAST(@actor AS TEXT) IS NULL OR actor = @actor)
           AND (CAST(@subject AS TEXT) IS NULL OR subject = @subject)
         ORDER BY seq DESC LIMIT coalesce(@limit, 9223372036854775807)
       ) AS matching ORDER BY seq`,
    {
      since: filter.since ?? null,
      until: filter.until ?? null,
      action: prefix === null ? action : null,
      prefix,
      provider: filter.provider ?? null,
      actor: filter.actor ?? null,
      subject: filter.subject ?? null,
      limit: filter.limit ?? null,
    },
  )
  return rows.map(toRecord)
})

export function toRecord(row: AuditRow): AuditRecord {
  return {
    seq: row.seq,
    at: row.at,
    actor: row.actor,
    action: row.action,
    provider: row.provider,
    subject: row.subject,
    outcome: row.outcome,
    detailsJson: row.details_json,
    prevHash: row.prev_hash,
    hash: row.hash,
  }
}
