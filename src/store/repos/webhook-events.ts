import type {Db} from '../db.js'

/**
 * Verified webhook deliveries (migration 005): one row per gateway event, keyed by (provider, dedup_key). Written in
 * the transaction that applies the event, so a row exists exactly when its effects do.
 */
export type WebhookEventStatus = 'applied' | 'fetching' | 'failed'

export const WEBHOOK_EVENT_STATUSES: readonly WebhookEventStatus[] = ['applied', 'fetching', 'failed']

export interface WebhookEventWrite {
  provider: string
  dedupKey: string
  receivedAt: string
  committedAt: string
  commitMs: number
  status: WebhookEventStatus
  summary: string
  eventsJson: string
  body: Buffer
  appliedJson: string
  nextFetchAt: string | null
}

export interface WebhookEventRow {
  id: number
  provider: string
  dedupKey: string
  receivedAt: string
  committedAt: string
  commitMs: number
  deliveries: number
  lastDeliveryAt: string
  status: WebhookEventStatus
  summary: string
  eventsJson: string
  appliedJson: string
  fetchAttempts: number
  nextFetchAt: string | null
  error: string | null
}

const COLUMNS = `id, provider, dedup_key AS dedupKey, received_at AS receivedAt, committed_at AS committedAt,
  commit_ms AS commitMs, deliveries, last_delivery_at AS lastDeliveryAt, status, summary, events_json AS eventsJson,
  applied_json AS appliedJson, fetch_attempts AS fetchAttempts, next_fetch_at AS nextFetchAt, error`

/** The stored event with this key, if any (a redelivery). */
export function findWebhookEvent(db: Db, provider: string, dedupKey: string): number | undefined {
  const row = db.stmt('SELECT id FROM webhook_events WHERE provider = ? AND dedup_key = ?').get(provider, dedupKey) as
    {id: number} | undefined
  return row?.id
}

export function insertWebhookEvent(db: Db, e: WebhookEventWrite): number {
  return Number(
    db
      .stmt(
        `INSERT INTO webhook_events (provider, dedup_key, received_at, committed_at, commit_ms, last_delivery_at, status,
           summary, events_json, body, applied_json, next_fetch_at)
         VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
      )
      .run(
        e.provider,
        e.dedupKey,
        e.receivedAt,
        e.committedAt,
        Math.max(0, Math.round(e.commitMs)),
        e.receivedAt,
        e.status,
        e.summary,
        e.eventsJson,
        e.body,
        e.appliedJson,
        e.nextFetchAt,
      ).lastInsertRowid,
  )
}

/** A redelivery of a stored event: counted, nothing else changes. */
export function countRedelivery(db: Db, id: number, at: string): void {
  db.stmt('UPDATE webhook_events SET deliveries = deliveries + 1, last_delivery_at = ? WHERE id = ?').run(at, id)
}

export function getWebhookEvent(db: Db, id: number): WebhookEventRow | undefined {
  return db.stmt(`SELECT ${COLUMNS} FROM webhook_events WHERE id = ?`).get(id) as WebhookEventRow | undefined
}

/** The exact bytes received. */
export function webhookEventBody(db: Db, id: number): Buffer | undefined {
  const row = db.stmt('SELECT body FROM webhook_events WHERE id = ?').get(id) as {body: Buffer} | undefined
  return row?.body
}

/** Most recent first. */
export function listWebhookEvents(
  db: Db,
  filter: {provider?: string; status?: WebhookEventStatus; limit: number},
): WebhookEventRow[] {
  return db
    .stmt(
      `SELECT ${COLUMNS} FROM webhook_events
       WHERE (@provider IS NULL OR provider = @provider) AND (@status IS NULL OR status = @status)
       ORDER BY id DESC LIMIT @limit`,
    )
    .all({provider: filter.provider ?? null, status: filter.status ?? null, limit: filter.limit}) as WebhookEventRow[]
}

/** Events whose objects are still to be read, due by `now`, oldest first. */
export function dueFetches(db: Db, now: string, limit: number): WebhookEventRow[] {
  return db
    .stmt(
      `SELECT ${COLUMNS} FROM webhook_events WHERE status = 'fetching' AND next_fetch_at <= ?
       ORDER BY next_fetch_at, id LIMIT ?`,
    )
    .all(now, limit) as WebhookEventRow[]
}

/** When the next event to read is due (null: none waits). */
export function nextFetchAt(db: Db): string | null {
  const row = db.stmt(`SELECT MIN(next_fetch_at) AS at FROM webhook_events WHERE status = 'fetching'`).get() as {
    at: string | null
  }
  return row.at
}

/** The outcome of reading an event's objects: applied, or still fetching (next try) or failed, with the error. */
export function recordFetch(
  db: Db,
  id: number,
  outcome: {status: WebhookEventStatus; appliedJson: string; nextFetchAt: string | null; error: string | null},
): void {
  db.stmt(
    `UPDATE webhook_events SET status = ?, applied_json = ?, next_fetch_at = ?, error = ?,
       fetch_attempts = fetch_attempts + 1 WHERE id = ?`,
  ).run(outcome.status, outcome.appliedJson, outcome.nextFetchAt, outcome.error, id)
}

/** A replay starts the event's reading over. */
export function restartFetch(db: Db, id: number, at: string): void {
  db.stmt(
    `UPDATE webhook_events SET status = 'fetching', next_fetch_at = ?, fetch_attempts = 0, error = NULL WHERE id = ?`,
  ).run(at, id)
}

export interface TimeWindow {
  since: string
  until: string
}

/** Events first received in the window (per provider, or all). */
export function commitCount(db: Db, w: TimeWindow, provider?: string): number {
  const row = db
    .stmt(
      `SELECT COUNT(*) AS n FROM webhook_events WHERE received_at >= @since AND received_at < @until
         AND (@provider IS NULL OR provider = @provider)`,
    )
    .get({...w, provider: provider ?? null}) as {n: number}
  return row.n
}

/** Receipt-to-commit times at the given 1-based ranks of the window's events in ascending order. */
export function commitMsAtRanks(
  db: Db,
  w: TimeWindow,
  ranks: readonly number[],
  provider?: string,
): Map<number, number> {
  if (ranks.length === 0) return new Map()
  const rows = db
    .stmt(
      `SELECT rn, commit_ms FROM (
         SELECT commit_ms, ROW_NUMBER() OVER (ORDER BY commit_ms, id) AS rn FROM webhook_events
         WHERE received_at >= @since AND received_at < @until AND (@provider IS NULL OR provider = @provider)
       ) WHERE rn IN (SELECT value FROM json_each(@ranks))`,
    )
    .all({...w, provider: provider ?? null, ranks: JSON.stringify([...new Set(ranks)])}) as Array<{
    rn: number
    commit_ms: number
  }>
  return new Map(rows.map((r) => [r.rn, r.commit_ms]))
}
