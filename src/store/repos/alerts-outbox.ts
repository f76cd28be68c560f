import type {Db} from '../db.js'

/**
 * The alert outbox and its deliveries (migration 005). An alert and one delivery per target are written in the
 * transaction of the alert's cause; delivery attempts update the delivery row. Times are ISO-8601 UTC with
 * milliseconds (Date#toISOString), so they compare as text.
 */
export interface OutboxWrite {
  messageId: string
  event: string
  subject: string
  provider: string | null
  customer: string | null
  site: string | null
  orderKey: string
  dedupKey: string | null
  payload: string
  raisedAt: string
}

/** Inserts the alert; null when an alert with the same dedup key exists already (nothing is written then). */
export function insertOutbox(db: Db, a: OutboxWrite): number | null {
  const result = db
    .stmt(
      `INSERT INTO alerts_outbox (message_id, event, subject, provider, customer, site, order_key, dedup_key, payload, raised_at)
       VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT (dedup_key) WHERE dedup_key IS NOT NULL DO NOTHING`,
    )
    .run(a.messageId, a.event, a.subject, a.provider, a.customer, a.site, a.orderKey, a.dedupKey, a.payload, a.raisedAt)
  return result.changes === 0 ? null : Number(result.lastInsertRowid)
}

export function insertDeliveries(db: Db, seq: number, targets: readonly string[], orderKey: string, at: string): void {
  const insert = db.stmt(
    `INSERT INTO alert_deliveries (outbox_seq, target_id, order_key, next_attempt_at) VALUES (?, ?, ?, ?)`,
  )
  for (const target of targets) insert.run(seq, target, orderKey, at)
}

/** A delivery whose turn it is: the oldest pending one of its target and order key, due, to an enabled target. */
export interface DueDelivery {
  seq: number
  targetId: string
  attempts: number
  messageId: string
  event: string
  payload: string
  raisedAt: string
}

/**
 * Deliveries due at `now` that are first in line: within one target and order key (one customer, say), only the
 * oldest pending delivery may go, so a receiver sees that key's alerts in the order they were raised.
 */
export function dueDeliveries(db: Db, now: string, limit: number, skipTargets: readonly string[] = []): DueDelivery[] {
  return db
    .stmt(
      `SELECT d.outbox_seq AS seq, d.target_id AS targetId, d.attempts, o.message_id AS messageId, o.event, o.payload,
         o.raised_at AS raisedAt
       FROM (SELECT target_id, MIN(outbox_seq) AS seq FROM alert_deliveries WHERE status = 'pending'
             GROUP BY target_id, order_key) head
       JOIN alert_deliveries d ON d.outbox_seq = head.seq AND d.target_id = head.target_id
       JOIN alerts_outbox o ON o.seq = d.outbox_seq
       JOIN alert_targets t ON t.id = d.target_id
       WHERE t.enabled = 1 AND d.next_attempt_at <= ? AND d.target_id NOT IN (SELECT value FROM json_each(?))
       ORDER BY d.outbox_seq LIMIT ?`,
    )
    .all(now, JSON.stringify(skipTargets), limit) as DueDelivery[]
}

/**
 * When the next delivery first in line (see dueDeliveries) to an enabled target falls due; null when none waits.
 * Only the heads count: one queued behind a retry waits for that retry, whatever its own time says.
 */
export function nextDueAt(db: Db): string | null {
  return (
    (db
      .stmt(
        `SELECT MIN(d.next_attempt_at)
         FROM (SELECT target_id, MIN(outbox_seq) AS seq FROM alert_deliveries WHERE status = 'pending'
               GROUP BY target_id, order_key) head
         JOIN alert_deliveries d ON d.outbox_seq = head.seq AND d.target_id = head.target_id
         JOIN alert_targets t ON t.id = d.target_id
         WHERE t.enabled = 1`,
      )
      .pluck()
      .get() as string | null) ?? null
  )
}

export interface AttemptResult {
  at: string
  /** The receiver's HTTP status; null when no response came (timeout, refused connection). */
  status: number | null
  error: string | null
}

export function markDelivered(db: Db, seq: number, targetId: string, r: AttemptResult): void {
  db.stmt(
    `UPDATE alert_deliveries SET status = 'delivered', attempts = attempts + 1, last_attempt_at = ?, last_status = ?,
     last_error = NULL, delivered_at = ? WHERE outbox_seq = ? AND target_id = ? AND status = 'pending'`,
  ).run(r.at, r.status, r.at, seq, targetId)
}

/** A failed attempt: retried at `nextAt`, or given up on (status `failed`) when nextAt is null. */
export function markAttemptFailed(
  db: Db,
  seq: number,
  targetId: string,
  r: AttemptResult & {nextAt: string | null},
): void {
  db.stmt(
    `UPDATE alert_deliveries SET status = ?, attempts = attempts + 1, last_attempt_at = ?, last_status = ?,
     last_error = ?, next_attempt_at = COALESCE(?, next_attempt_at) WHERE outbox_seq = ? AND target_id = ? AND status = 'pending'`,
  ).run(r.nextAt === null ? 'failed' : 'pending', r.at, r.status, r.error, r.nextAt, seq, targetId)
}

/** A receiver's answer that did not count as an attempt (410 disabled the target): recorded, nothing else changes. */
export function noteAnswer(db: Db, seq: number, targetId: string, r: AttemptResult): void {
  db.stmt(
    `UPDATE alert_deliveries SET last_attempt_at = ?, last_status = ?, last_error = ? WHERE outbox_seq = ? AND target_id = ?`,
  ).run(r.at, r.status, r.error, seq, targetId)
}

export interface TargetBacklog {
  pending: number
  delivered: number
  failed: number
  /** When the oldest pending alert was raised; null with nothing pending. */
  oldestPendingAt: string | null
  lastError: string | null
  lastAttemptAt: string | null
}

/** One pass over the target's deliveries (kept 30 days): for `alerts list` and `status`, not for a hot path. */
export function targetBacklog(db: Db, targetId: string): TargetBacklog {
  const counts = db
    .stmt(
      `SELECT
         SUM(d.status = 'pending') AS pending, SUM(d.status = 'delivered') AS delivered, SUM(d.status = 'failed') AS failed,
         MIN(CASE WHEN d.status = 'pending' THEN o.raised_at END) AS oldestPendingAt, MAX(d.last_attempt_at) AS lastAttemptAt
       FROM alert_deliveries d JOIN alerts_outbox o ON o.seq = d.outbox_seq WHERE d.target_id = ?`,
    )
    .get(targetId) as {
    pending: number | null
    delivered: number | null
    failed: number | null
    oldestPendingAt: string | null
    lastAttemptAt: string | null
  }
  const lastError =
    (db
      .stmt(
        `SELECT last_error FROM alert_deliveries WHERE target_id = ? AND last_error IS NOT NULL
         ORDER BY last_attempt_at DESC LIMIT 1`,
      )
      .pluck()
      .get(targetId) as string | undefined) ?? null
  return {
    pending: counts.pending ?? 0,
    delivered: counts.delivered ?? 0,
    failed: counts.failed ?? 0,
    oldestPendingAt: counts.oldestPendingAt,
    lastError,
    lastAttemptAt: counts.lastAttemptAt,
  }
}

/**
 * Forgets alerts raised before `before` that wait for no delivery (every one delivered or given up), so the outbox
 * does not grow with every balance change forever. Their deliveries go with them (ON DELETE CASCADE).
 */
export function pruneSettled(db: Db, before: string): number {
  return db
    .stmt(
      `DELETE FROM alerts_outbox WHERE raised_at < ? AND NOT EXISTS
         (SELECT 1 FROM alert_deliveries d WHERE d.outbox_seq = alerts_outbox.seq AND d.status = 'pending')`,
    )
    .run(before).changes
}

/** Deliveries waiting, to enabled targets and in all. */
export function pendingDeliveries(db: Db): {enabled: number; all: number} {
  const row = db
    .stmt(
      `SELECT SUM(t.enabled = 1) AS enabled, COUNT(*) AS "all" FROM alert_deliveries d
       JOIN alert_targets t ON t.id = d.target_id WHERE d.status = 'pending'`,
    )
    .get() as {enabled: number | null; all: number}
  return {enabled: row.enabled ?? 0, all: row.all}
}

export interface AlertsOverview {
  targets: number
  disabled: string[]
  /** Deliveries waiting (to enabled targets). */
  pending: number
  /** When the oldest of them was raised. */
  oldestPendingAt: string | null
  /** Deliveries given up after their last attempt, in the 30 days alerts are kept. */
  failed: number
}

/** For `status`: one pass over the deliveries kept. */
export function alertsOverview(db: Db): AlertsOverview {
  const targets = db.stmt('SELECT id, enabled FROM alert_targets ORDER BY id').all() as Array<{
    id: string
    enabled: number
  }>
  const row = db
    .stmt(
      `SELECT SUM(d.status = 'pending' AND t.enabled = 1) AS pending, SUM(d.status = 'failed') AS failed,
         MIN(CASE WHEN d.status = 'pending' AND t.enabled = 1 THEN o.raised_at END) AS oldestPendingAt
       FROM alert_deliveries d JOIN alerts_outbox o ON o.seq = d.outbox_seq JOIN alert_targets t ON t.id = d.target_id`,
    )
    .get() as {pending: number | null; failed: number | null; oldestPendingAt: string | null}
  return {
    targets: targets.length,
    disabled: targets.filter((t) => t.enabled === 0).map((t) => t.id),
    pending: row.pending ?? 0,
    oldestPendingAt: row.oldestPendingAt,
    failed: row.failed ?? 0,
  }
}
