import {bothWays, words} from '../ops/dialect.js'
import {dual} from '../ops/dual.js'
import {all, engine, get, type Ops, run, value, values} from '../ops/op.js'

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
export const insertOutbox = dual(function* insertOutbox(a: OutboxWrite): Ops<number | null> {
  const seq = yield* value<number>(
    `INSERT INTO alerts_outbox (message_id, event, subject, provider, customer, site, order_key, dedup_key, payload, raised_at)
       VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT (dedup_key) WHERE dedup_key IS NOT NULL DO NOTHING RETURNING seq`,
    [a.messageId, a.event, a.subject, a.provider, a.customer, a.site, a.orderKey, a.dedupKey, a.payload, a.raisedAt],
  )
  return seq ?? null
})

export const insertDeliveries = dual(function* insertDeliveries(
  seq: number,
  targets: readonly string[],
  orderKey: string,
  at: string,
) {
  for (const target of targets)
    yield* run(`INSERT INTO alert_deliveries (outbox_seq, target_id, order_key, next_attempt_at) VALUES (?, ?, ?, ?)`, [
      seq,
      target,
      orderKey,
      at,
    ])
})

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
 * How long dueDeliveries' claim keeps a delivery from other hosts on PostgreSQL: longer than a batch of attempts
 * takes (deliverDue renews its lease after each batch for the same reason), so a slow batch is not sent twice.
 */
export const DELIVERY_CLAIM_MS = 5 * 60_000

/**
 * Deliveries due at `now` that are first in line: within one target and order key (one customer, say), only the
 * oldest pending delivery may go, so a receiver sees that key's alerts in the order they were raised.
 *
 * On PostgreSQL, where several hosts may deliver from one ledger, the deliveries returned are also claimed for
 * `claimMs` (a write: run it in one): another host's call skips them, and, since they stay the heads of their
 * order keys, everything queued behind them. Recording an attempt (markDelivered, markAttemptFailed) ends the
 * claim, and so does releaseClaims for a delivery the claimant did not attempt after all (a hard stop, a target
 * without its secret); one whose claimant died is due again when the claim lapses, not at once as on SQLite, whose
 * one deliverer (deliverDue's lease) claims nothing. The claim names its claimant (the delivery lease's owner), so
 * that a host taking the lease over releases it at once (releaseOthersClaims).
 */
export const dueDeliveries = dual(function* dueDeliveries(
  now: string,
  limit: number,
  skipTargets: readonly string[] = [],
  claimMs: number = DELIVERY_CLAIM_MS,
  claimant: string | null = null,
): Ops<DueDelivery[]> {
  const params = [now, JSON.stringify(skipTargets), limit]
  if ((yield* engine()) === 'sqlite') return yield* all<DueDelivery>(DUE, params)
  return yield* all<DueDelivery>(CLAIM_DUE, [...params, new Date(Date.parse(now) + claimMs).toISOString(), claimant])
})

const DUE = `SELECT d.outbox_seq AS seq, d.target_id AS targetId, d.attempts, o.message_id AS messageId, o.event, o.payload,
         o.raised_at AS raisedAt
       FROM (SELECT target_id, MIN(outbox_seq) AS seq FROM alert_deliveries WHERE status = 'pending'
             GROUP BY target_id, order_key) head
       JOIN alert_deliveries d ON d.outbox_seq = head.seq AND d.target_id = head.target_id
       JOIN alerts_outbox o ON o.seq = d.outbox_seq
       JOIN alert_targets t ON t.id = d.target_id
       WHERE t.enabled = 1 AND d.next_attempt_at <= ? AND d.target_id NOT IN (SELECT value FROM json_each(?))
       ORDER BY d.outbox_seq LIMIT ?`

const pg = words('postgres')

/**
 * PostgreSQL's dueDeliveries: the same heads, locked without waiting (SKIP LOCKED: a head another host is claiming
 * right now is passed over) and claimed by moving next_attempt_at to the claim's end, which keeps them from every
 * later call until then. A row locked after another host changed it is re-checked against d's own conditions only,
 * not the heads' subquery, hence `d.status = 'pending'` again. The rows come back as SQLite's do.
 */
const CLAIM_DUE = `WITH due AS (
         SELECT d.outbox_seq, d.target_id
         FROM (SELECT target_id, MIN(outbox_seq) AS seq FROM alert_deliveries WHERE status = 'pending'
               GROUP BY target_id, order_key) head
         JOIN alert_deliveries d ON d.outbox_seq = head.seq AND d.target_id = head.target_id
         JOIN alert_targets t ON t.id = d.target_id
         WHERE t.enabled = 1 AND d.status = 'pending' AND d.next_attempt_at <= ?
           AND d.target_id NOT ${pg.inList('text')}
         ORDER BY d.outbox_seq LIMIT ?
         FOR UPDATE OF d SKIP LOCKED
       ), claimed AS (
         UPDATE alert_deliveries d SET next_attempt_at = ?, claimed_by = ? FROM due
         WHERE d.outbox_seq = due.outbox_seq AND d.target_id = due.target_id
         RETURNING d.outbox_seq, d.target_id, d.attempts
       )
       SELECT c.outbox_seq AS seq, c.target_id AS ${pg.alias('targetId')}, c.attempts, o.message_id AS ${pg.alias('messageId')}, o.event, o.payload,
         o.raised_at AS ${pg.alias('raisedAt')}
       FROM claimed c JOIN alerts_outbox o ON o.seq = c.outbox_seq
       ORDER BY c.outbox_seq`

/**
 * Ends `claimant`'s claim on deliveries it did not attempt after all (their target was set aside in that call, a hard
 * stop cut them short, a 410 disabled the target): due again at once, as on SQLite, not when the claim lapses, so
 * one failing receiver does not hold up its other order keys for a lease's length. A claim another host made since
 * is left alone. SQLite claims nothing: no statement.
 */
export const releaseClaims = dual(function* releaseClaims(
  deliveries: ReadonlyArray<{seq: number; targetId: string}>,
  now: string,
  claimant: string,
) {
  if ((yield* engine()) === 'sqlite') return
  for (const d of deliveries)
    yield* run(
      `UPDATE alert_deliveries SET next_attempt_at = ?, claimed_by = NULL
         WHERE outbox_seq = ? AND target_id = ? AND status = 'pending' AND claimed_by = ?`,
      [now, d.seq, d.targetId, claimant],
    )
})

/**
 * Releases every claim but `holder`'s, due at `now`: for the host that has just taken the delivery lease over, in
 * the transaction that took it. Only the lease's holder claims, in the transaction that renews the lease (deliverDue),
 * so a claim of anyone else's is a former holder's that died or stalled past the lease: waiting for it to lapse would
 * hold its order keys up for a lease's length. Returns how many were released.
 */
export const releaseOthersClaims = dual(function* releaseOthersClaims(holder: string, now: string): Ops<number> {
  return (yield* run(
    `UPDATE alert_deliveries SET next_attempt_at = ?, claimed_by = NULL
       WHERE claimed_by IS NOT NULL AND claimed_by <> ? AND status = 'pending'`,
    [now, holder],
  )).changes
})

/**
 * When the next delivery first in line (see dueDeliveries) to an enabled target falls due; null when none waits.
 * Only the heads count: one queued behind a retry waits for that retry, whatever its own time says.
 */
export const nextDueAt = dual(function* nextDueAt(): Ops<string | null> {
  return (
    (yield* value<string | null>(
      `SELECT MIN(d.next_attempt_at)
         FROM (SELECT target_id, MIN(outbox_seq) AS seq FROM alert_deliveries WHERE status = 'pending'
               GROUP BY target_id, order_key) head
         JOIN alert_deliveries d ON d.outbox_seq = head.seq AND d.target_id = head.target_id
         JOIN alert_targets t ON t.id = d.target_id
         WHERE t.enabled = 1`,
    )) ?? null
  )
})

/** Who holds claims on pending deliveries (PostgreSQL; none on SQLite). */
export const deliveryClaimants = dual(function* deliveryClaimants(): Ops<string[]> {
  return yield* values<string>(
    `SELECT DISTINCT claimed_by FROM alert_deliveries WHERE status = 'pending' AND claimed_by IS NOT NULL ORDER BY claimed_by`,
  )
})

export interface AttemptResult {
  at: string
  /** The receiver's HTTP status; null when no response came (timeout, refused connection). */
  status: number | null
  error: string | null
}

export const markDelivered = dual(function* markDelivered(seq: number, targetId: string, r: AttemptResult) {
  yield* run(
    `UPDATE alert_deliveries SET status = 'delivered', attempts = attempts + 1, last_attempt_at = ?, last_status = ?,
     last_error = NULL, delivered_at = ?, claimed_by = NULL WHERE outbox_seq = ? AND target_id = ? AND status = 'pending'`,
    [r.at, r.status, r.at, seq, targetId],
  )
})

/** A failed attempt: retried at `nextAt`, or given up on (status `failed`) when nextAt is null. */
export const markAttemptFailed = dual(function* markAttemptFailed(
  seq: number,
  targetId: string,
  r: AttemptResult & {nextAt: string | null},
) {
  yield* run(
    `UPDATE alert_deliveries SET status = ?, attempts = attempts + 1, last_attempt_at = ?, last_status = ?,
     last_error = ?, next_attempt_at = COALESCE(?, next_attempt_at), claimed_by = NULL WHERE outbox_seq = ? AND target_id = ? AND status = 'pending'`,
    [r.nextAt === null ? 'failed' : 'pending', r.at, r.status, r.error, r.nextAt, seq, targetId],
  )
})

/** A receiver's answer that did not count as an attempt (410 disabled the target): recorded, nothing else changes. */
export const noteAnswer = dual(function* noteAnswer(seq: number, targetId: string, r: AttemptResult) {
  yield* run(
    `UPDATE alert_deliveries SET last_attempt_at = ?, last_status = ?, last_error = ? WHERE outbox_seq = ? AND target_id = ?`,
    [r.at, r.status, r.error, seq, targetId],
  )
})

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
export const targetBacklog = dual(function* targetBacklog(targetId: string): Ops<TargetBacklog> {
  // An aggregate without GROUP BY: always one row.
  const counts = (yield* get(BACKLOG, [targetId])) as {
    pending: number | null
    delivered: number | null
    failed: number | null
    oldestPendingAt: string | null
    lastAttemptAt: string | null
  }
  const lastError =
    (yield* value<string>(
      `SELECT last_error FROM alert_deliveries WHERE target_id = ? AND last_error IS NOT NULL
         ORDER BY last_attempt_at DESC LIMIT 1`,
      [targetId],
    )) ?? null
  return {
    pending: counts.pending ?? 0,
    delivered: counts.delivered ?? 0,
    failed: counts.failed ?? 0,
    oldestPendingAt: counts.oldestPendingAt,
    lastError,
    lastAttemptAt: counts.lastAttemptAt,
  }
})

const BACKLOG = bothWays(
  (w) => `SELECT
         ${w.sumTrue(`d.status = 'pending'`)} AS pending, ${w.sumTrue(`d.status = 'delivered'`)} AS delivered, ${w.sumTrue(`d.status = 'failed'`)} AS failed,
         MIN(CASE WHEN d.status = 'pending' THEN o.raised_at END) AS ${w.alias('oldestPendingAt')}, MAX(d.last_attempt_at) AS ${w.alias('lastAttemptAt')}
       FROM alert_deliveries d JOIN alerts_outbox o ON o.seq = d.outbox_seq WHERE d.target_id = ?`,
)

/**
 * Forgets alerts raised before `before` that wait for no delivery (every one delivered or given up), so the outbox
 * does not grow with every balance change forever. Their deliveries go with them (ON DELETE CASCADE).
 */
export const pruneSettled = dual(function* pruneSettled(before: string): Ops<number> {
  return (yield* run(
    `DELETE FROM alerts_outbox WHERE raised_at < ? AND NOT EXISTS
         (SELECT 1 FROM alert_deliveries d WHERE d.outbox_seq = alerts_outbox.seq AND d.status = 'pending')`,
    [before],
  )).changes
})

/** Deliveries waiting, to enabled targets and in all. */
export const pendingDeliveries = dual(function* pendingDeliveries(): Ops<{enabled: number; all: number}> {
  const row = (yield* get(PENDING)) as {enabled: number | null; all: number}
  return {enabled: row.enabled ?? 0, all: row.all}
})

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

const PENDING = bothWays(
  (w) => `SELECT ${w.sumTrue('t.enabled = 1')} AS enabled, COUNT(*) AS "all" FROM alert_deliveries d
       JOIN alert_targets t ON t.id = d.target_id WHERE d.status = 'pending'`,
)

/** For `status`: one pass over the deliveries kept. */
export const alertsOverview = dual(function* alertsOverview(): Ops<AlertsOverview> {
  const targets = yield* all<{id: string; enabled: number}>('SELECT id, enabled FROM alert_targets ORDER BY id')
  const row = (yield* get(OVERVIEW)) as {pending: number | null; failed: number | null; oldestPendingAt: string | null}
  return {
    targets: targets.length,
    disabled: targets.filter((t) => t.enabled === 0).map((t) => t.id),
    pending: row.pending ?? 0,
    oldestPendingAt: row.oldestPendingAt,
    failed: row.failed ?? 0,
  }
})

const OVERVIEW = bothWays(
  (
    w,
  ) => `SELECT ${w.sumTrue(`d.status = 'pending' AND t.enabled = 1`)} AS pending, ${w.sumTrue(`d.status = 'failed'`)} AS failed,
         MIN(CASE WHEN d.status = 'pending' AND t.enabled = 1 THEN o.raised_at END) AS ${w.alias('oldestPendingAt')}
       FROM alert_deliveries d JOIN alerts_outbox o ON o.seq = d.outbox_seq JOIN alert_targets t ON t.id = d.target_id`,
)
