import {bothWays, type Words, words} from '../ops/dialect.js'
import {dual} from '../ops/dual.js'
import {all, engine, get, lockForTransaction, type Ops, run, value} from '../ops/op.js'

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

/** nextFetchAt: where the column comes from (the time a claim found, on PostgreSQL: see dueFetches). */
const columns = (
  {alias: a}: Words,
  nextFetchAt = 'next_fetch_at',
) => `id, provider, dedup_key AS ${a('dedupKey')}, received_at AS ${a('receivedAt')}, committed_at AS ${a('committedAt')},
  commit_ms AS ${a('commitMs')}, deliveries, last_delivery_at AS ${a('lastDeliveryAt')}, status, summary, events_json AS ${a('eventsJson')},
  applied_json AS ${a('appliedJson')}, fetch_attempts AS ${a('fetchAttempts')}, ${nextFetchAt} AS ${a('nextFetchAt')}, error`

/**
 * An arbitrary constant naming the webhook writers among PostgreSQL's advisory locks (audit.ts's AUDIT_HEAD_LOCK is
 * another).
 */
export const WEBHOOK_COMMIT_LOCK = 7_944_302

/**
 * Waits until no other webhook writer (a receiver's group, a fetcher's or a replay's apply, on any host) can write
 * before this transaction commits. On PostgreSQL several `webhooks serve` share one ledger, and a gateway's
 * redelivery may reach two at once: under this lock the second finds the event the first stored (a duplicate),
 * where otherwise both would apply it and the unique (provider, dedup_key) would refuse one whole group; and their
 * postings, which lock the balance rows they add to until the commit, would deadlock one another when two groups
 * meet the same accounts in different orders. SQLite has one writer at a time already.
 */
export const lockWebhookCommits = dual(function* lockWebhookCommits() {
  yield* lockForTransaction(WEBHOOK_COMMIT_LOCK)
})

/** The stored event with this key, if any (a redelivery). */
export const findWebhookEvent = dual(function* findWebhookEvent(
  provider: string,
  dedupKey: string,
): Ops<number | undefined> {
  return yield* value<number>('SELECT id FROM webhook_events WHERE provider = ? AND dedup_key = ?', [
    provider,
    dedupKey,
  ])
})

export const insertWebhookEvent = dual(function* insertWebhookEvent(e: WebhookEventWrite): Ops<number> {
  const id = yield* value<number>(
    `INSERT INTO webhook_events (provider, dedup_key, received_at, committed_at, commit_ms, last_delivery_at, status,
           summary, events_json, body, applied_json, next_fetch_at)
         VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) RETURNING id`,
    [
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
    ],
  )
  return Number(id)
})

/** A redelivery of a stored event: counted, nothing else changes. */
export const countRedelivery = dual(function* countRedelivery(id: number, at: string) {
  yield* run('UPDATE webhook_events SET deliveries = deliveries + 1, last_delivery_at = ? WHERE id = ?', [at, id])
})

export const getWebhookEvent = dual(function* getWebhookEvent(id: number): Ops<WebhookEventRow | undefined> {
  return yield* get<WebhookEventRow>(GET, [id])
})

const GET = bothWays((w) => `SELECT ${columns(w)} FROM webhook_events WHERE id = ?`)

/** The exact bytes received. */
export const webhookEventBody = dual(function* webhookEventBody(id: number): Ops<Buffer | undefined> {
  const row = yield* get<{body: Buffer}>('SELECT body FROM webhook_events WHERE id = ?', [id])
  return row?.body
})

/** Most recent first. */
export const listWebhookEvents = dual(function* listWebhookEvents(filter: {
  provider?: string
  status?: WebhookEventStatus
  limit: number
}): Ops<WebhookEventRow[]> {
  return yield* all<WebhookEventRow>(LIST, {
    provider: filter.provider ?? null,
    status: filter.status ?? null,
    limit: filter.limit,
  })
})

const LIST = bothWays(
  (w) => `SELECT ${columns(w)} FROM webhook_events
       WHERE (${w.unset('@provider')} OR provider = @provider) AND (${w.unset('@status')} OR status = @status)
       ORDER BY id DESC LIMIT @limit`,
)

/**
 * How long dueFetches' claim keeps an event from other hosts on PostgreSQL: longer than reading a batch of events'
 * objects takes (each read may wait out a gateway's timeouts and retries), so a slow batch is not read twice.
 */
export const FETCH_CLAIM_MS = 10 * 60_000

/**
 * Events whose objects are still to be read, due by `now`, oldest first.
 *
 * On PostgreSQL, where several hosts' `webhooks serve` may read from one ledger, the events returned are also
 * claimed for `claimMs` by `claimant` (a write: run it in one): their next_fetch_at moves to the claim's end, so
 * another host's call skips them. Recording the outcome (recordFetch) ends the claim; an event claimed and not read
 * is due again when the claim lapses, where SQLite's would be at once, or when releaseFetchClaims ends it (a fetcher
 * stopping, another finding the claimant dead: services/webhooks/fetcher.ts). The rows come back as
 * they were when due, as SQLite's.
 */
export const dueFetches = dual(function* dueFetches(
  now: string,
  limit: number,
  claimMs: number = FETCH_CLAIM_MS,
  claimant: string | null = null,
): Ops<WebhookEventRow[]> {
  if ((yield* engine()) === 'sqlite') return yield* all<WebhookEventRow>(DUE_SQLITE, [now, limit])
  const until = new Date(Date.parse(now) + claimMs).toISOString()
  return yield* all<WebhookEventRow>(CLAIM_DUE, [now, limit, until, claimant])
})

/**
 * The lease a fetcher renews while it may hold claims (PostgreSQL): its heartbeat. Other hosts read a claimant with
 * no unexpired heartbeat as dead (services/webhooks/fetcher.ts), wherever it ran.
 */
export const fetcherLease = (claimant: string): string => `${FETCHER_LEASE_PREFIX}${claimant}`
const FETCHER_LEASE_PREFIX = 'webhooks:fetch:'

/**
 * Renews `claimant`'s heartbeat until `ttlMs` after `now`. Its times are the fetchers' clock, as the claims' are
 * (dueFetches), not the store's: fetchers compare them with their own `now` (services/webhooks/fetcher.ts).
 */
export const beatFetcher = dual(function* beatFetcher(claimant: string, now: string, ttlMs: number): Ops<void> {
  yield* run(
    `INSERT INTO leases (name, owner, acquired_at, expires_at) VALUES (?, ?, ?, ?)
       ON CONFLICT (name) DO UPDATE SET expires_at = excluded.expires_at`,
    [fetcherLease(claimant), claimant, now, new Date(Date.parse(now) + ttlMs).toISOString()],
  )
})

/**
 * Who holds claims on events still to read (PostgreSQL), but `self`, each with when its heartbeat lapses (null: it
 * has none).
 */
export const fetchClaimants = dual(function* fetchClaimants(
  self: string,
): Ops<Array<{claimant: string; heartbeatUntil: string | null}>> {
  return yield* all<{claimant: string; heartbeatUntil: string | null}>(
    `SELECT c.claimed_by AS ${words('postgres').alias('claimant')}, l.expires_at AS ${words('postgres').alias('heartbeatUntil')}
       FROM (SELECT DISTINCT claimed_by FROM webhook_events
               WHERE status = 'fetching' AND claimed_by IS NOT NULL AND claimed_by <> ?) c
       LEFT JOIN leases l ON l.name = ? || c.claimed_by
       ORDER BY c.claimed_by`,
    [self, FETCHER_LEASE_PREFIX],
  )
})

/** Drops the heartbeats that lapsed (their fetchers died, or stopped without a word): they hold nothing. */
export const pruneFetcherLeases = dual(function* pruneFetcherLeases(now: string): Ops<number> {
  return (yield* run(`DELETE FROM leases WHERE name LIKE ? AND expires_at <= ?`, [`${FETCHER_LEASE_PREFIX}%`, now]))
    .changes
})

/** Ends `claimant`'s claims on events still to read: due at `now`. Returns how many. */
export const releaseFetchClaims = dual(function* releaseFetchClaims(claimant: string, now: string): Ops<number> {
  return (yield* run(
    `UPDATE webhook_events SET next_fetch_at = ?, claimed_by = NULL WHERE status = 'fetching' AND claimed_by = ?`,
    [now, claimant],
  )).changes
})

const DUE_SQLITE = `SELECT ${columns(words('sqlite'))} FROM webhook_events WHERE status = 'fetching' AND next_fetch_at <= ?
       ORDER BY next_fetch_at, id LIMIT ?`

/**
 * PostgreSQL's dueFetches: the due events locked without waiting (SKIP LOCKED: those another host is claiming right
 * now are passed over) and claimed in the same statement. A row another host changed after this statement began is
 * locked in its new state and checked again, so an event claimed meanwhile is not due any more.
 */
const CLAIM_DUE = `WITH due AS (
         SELECT id AS due_id, next_fetch_at AS due_at FROM webhook_events WHERE status = 'fetching' AND next_fetch_at <= ?
         ORDER BY next_fetch_at, id LIMIT ?
         FOR UPDATE SKIP LOCKED
       ), claimed AS (
         UPDATE webhook_events SET next_fetch_at = ?, claimed_by = ? FROM due WHERE id = due_id
         RETURNING ${columns(words('postgres'), 'due_at')}
       )
       SELECT * FROM claimed ORDER BY ${words('postgres').alias('nextFetchAt')}, id`

/** When the next event to read is due (null: none waits). */
export const nextFetchAt = dual(function* nextFetchAt(): Ops<string | null> {
  const row = (yield* get(`SELECT MIN(next_fetch_at) AS at FROM webhook_events WHERE status = 'fetching'`)) as {
    at: string | null
  }
  return row.at
})

/** The outcome of reading an event's objects: applied, or still fetching (next try) or failed, with the error. */
export const recordFetch = dual(function* recordFetch(
  id: number,
  outcome: {status: WebhookEventStatus; appliedJson: string; nextFetchAt: string | null; error: string | null},
) {
  yield* run(
    `UPDATE webhook_events SET status = ?, applied_json = ?, next_fetch_at = ?, error = ?,
       fetch_attempts = fetch_attempts + 1, claimed_by = NULL WHERE id = ?`,
    [outcome.status, outcome.appliedJson, outcome.nextFetchAt, outcome.error, id],
  )
})

/** A replay starts the event's reading over. */
export const restartFetch = dual(function* restartFetch(id: number, at: string) {
  yield* run(
    `UPDATE webhook_events SET status = 'fetching', next_fetch_at = ?, fetch_attempts = 0, error = NULL, claimed_by = NULL
       WHERE id = ?`,
    [at, id],
  )
})

export interface TimeWindow {
  since: string
  until: string
}

/** Events first received in the window (per provider, or all). */
export const commitCount = dual(function* commitCount(w: TimeWindow, provider?: string) {
  // COUNT without GROUP BY: always one row.
  const row = (yield* get(COMMIT_COUNT, {since: w.since, until: w.until, provider: provider ?? null})) as {n: number}
  return row.n
})

const COMMIT_COUNT = bothWays(
  (w) => `SELECT COUNT(*) AS n FROM webhook_events WHERE received_at >= @since AND received_at < @until
         AND (${w.unset('@provider')} OR provider = @provider)`,
)

/** Receipt-to-commit times at the given 1-based ranks of the window's events in ascending order. */
export const commitMsAtRanks = dual(function* commitMsAtRanks(
  w: TimeWindow,
  ranks: readonly number[],
  provider?: string,
): Ops<Map<number, number>> {
  if (ranks.length === 0) return new Map()
  const rows = yield* all<{rn: number; commit_ms: number}>(AT_RANKS, {
    since: w.since,
    until: w.until,
    provider: provider ?? null,
    ranks: JSON.stringify([...new Set(ranks)]),
  })
  return new Map(rows.map((r) => [r.rn, r.commit_ms]))
})

const AT_RANKS = bothWays(
  (w) => `SELECT rn, commit_ms FROM (
         SELECT commit_ms, ROW_NUMBER() OVER (ORDER BY commit_ms, id) AS rn FROM webhook_events
         WHERE received_at >= @since AND received_at < @until AND (${w.unset('@provider')} OR provider = @provider)
       ) WHERE rn ${w.inList('integer', '@ranks')}`,
)
