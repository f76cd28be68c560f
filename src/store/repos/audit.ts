import type {AuditRecord} from '../../core/audit-chain.js'
import type {Db} from '../db.js'

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

export function lastAuditRow(db: Db): {seq: number; hash: string} | null {
  const row = db.stmt('SELECT seq, hash FROM audit_log ORDER BY seq DESC LIMIT 1').get() as
    {seq: number; hash: string} | undefined
  return row ?? null
}

export function insertAuditRow(db: Db, record: AuditRecord): void {
  db.stmt(
    `INSERT INTO audit_log (${AUDIT_COLUMNS})
     VALUES (@seq, @at, @actor, @action, @provider, @subject, @outcome, @detailsJson, @prevHash, @hash)`,
  ).run(record)
}

/** Every row in seq order, streamed. */
export function* iterateAuditRows(db: Db): Generator<AuditRecord> {
  for (const row of db.stmt(`SELECT ${AUDIT_COLUMNS} FROM audit_log ORDER BY seq`).iterate() as Iterable<AuditRow>) {
    yield toRecord(row)
  }
}

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

export function queryAuditRows(db: Db, filter: AuditFilter = {}): AuditRecord[] {
  const action = filter.action ?? null
  const prefix = action !== null && action.endsWith('*') ? action.slice(0, -1) : null
  const rows = db
    .stmt(
      `SELECT * FROM (
         SELECT ${AUDIT_COLUMNS} FROM audit_log
         WHERE (@since IS NULL OR at >= @since) AND (@until IS NULL OR at < @until)
           AND (@action IS NULL OR action = @action)
           AND (@prefix IS NULL OR substr(action, 1, length(@prefix)) = @prefix)
           AND (@provider IS NULL OR provider = @provider) AND (@actor IS NULL OR actor = @actor)
           AND (@subject IS NULL OR subject = @subject)
         ORDER BY seq DESC LIMIT @limit
       ) ORDER BY seq`,
    )
    .all({
      since: filter.since ?? null,
      until: filter.until ?? null,
      action: prefix === null ? action : null,
      prefix,
      provider: filter.provider ?? null,
      actor: filter.actor ?? null,
      subject: filter.subject ?? null,
      limit: filter.limit ?? -1,
    }) as AuditRow[]
  return rows.map(toRecord)
}

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
