import type {CallBucket} from '../../core/uptime.js'
import type {Db} from '../db.js'

/**
 * Aggregates for `metrics` and `status`: latency samples, the gateway call log and sync runs. Read-only; each function is one coarse query so another store could answer it the same way.
 * A window is [since, until) over ISO-8601 UTC text columns written by db.now()/toISOString (same format, so
 * text order is time order).
 */
export interface TimeWindow {
  since: string
  until: string
}

/** Providers that have any latency sample or gateway call in the window (a removed connection still reports). */
export function providersWithActivity(db: Db, w: TimeWindow): string[] {
  const rows = db
    .stmt(
      `SELECT provider FROM sync_latency WHERE committed_at >= @since AND committed_at < @until
       UNION SELECT provider FROM gateway_calls WHERE at >= @since AND at < @until ORDER BY provider`,
    )
    .all(w) as Array<{provider: string}>
  return rows.map((r) => r.provider)
}

/** `source`: only samples of states that arrived this way (pull, webhook, replay); all by default. */
export function latencyCount(db: Db, provider: string, w: TimeWindow, source?: string): number {
  const row = db
    .stmt(
      `SELECT COUNT(*) AS n FROM sync_latency WHERE provider = @provider AND committed_at >= @since AND committed_at < @until
         AND (@source IS NULL OR source = @source)`,
    )
    .get({provider, ...w, source: source ?? null}) as {n: number}
  return row.n
}

/**
 * The latency values at the given 1-based ranks of the window's samples in ascending order, computed by SQLite
 * (exact, and without loading every sample into memory). Ties are ordered by id, which does not change values.
 */
export function latencyAtRanks(
  db: Db,
  provider: string,
  w: TimeWindow,
  ranks: readonly number[],
  source?: string,
): Map<number, number> {
  if (ranks.length === 0) return new Map()
  const rows = db
    .stmt(
      `SELECT rn, latency_ms FROM (
         SELECT latency_ms, ROW_NUMBER() OVER (ORDER BY latency_ms, id) AS rn FROM sync_latency
         WHERE provider = @provider AND committed_at >= @since AND committed_at < @until
           AND (@source IS NULL OR source = @source)
       ) WHERE rn IN (SELECT value FROM json_each(@ranks))`,
    )
    .all({provider, ...w, source: source ?? null, ranks: JSON.stringify([...new Set(ranks)])}) as Array<{
    rn: number
    latency_ms: number
  }>
  return new Map(rows.map((r) => [r.rn, r.latency_ms]))
}

/** Calls per provider, UTC minute, outcome and status group: what core/uptime.ts needs, at most a few rows a minute. */
export function callBuckets(db: Db, w: TimeWindow, provider?: string): Array<CallBucket & {provider: string}> {
  const rows = db
    .stmt(
      `SELECT provider, substr(at, 1, 16) AS minute, outcome,
         CASE WHEN status IS NULL THEN NULL WHEN status = 429 THEN '429' ELSE (status / 100) || 'xx' END AS status_group,
         COUNT(*) AS calls
       FROM gateway_calls WHERE at >= @since AND at < @until AND (@provider IS NULL OR provider = @provider)
       GROUP BY provider, minute, outcome, status_group ORDER BY provider, minute`,
    )
    .all({...w, provider: provider ?? null}) as Array<{
    provider: string
    minute: string
    outcome: string
    status_group: string | null
    calls: number
  }>
  return rows.map((r) => ({
    provider: r.provider,
    minute: r.minute,
    outcome: r.outcome,
    statusGroup: r.status_group,
    calls: r.calls,
  }))
}

export interface LifetimeTotals {
  calls: number
  errors: number
  latencyCount: number
  latencySumMs: number
}

/** Everything ever recorded per provider: the monotonic counters a Prometheus scrape wants (rate() over them). */
export function lifetimeTotals(db: Db): Map<string, LifetimeTotals> {
  const totals = new Map<string, LifetimeTotals>()
  const get = (p: string) =>
    totals.get(p) ?? totals.set(p, {calls: 0, errors: 0, latencyCount: 0, latencySumMs: 0}).get(p)!
  for (const r of db
    .stmt(`SELECT provider, COUNT(*) AS calls, SUM(outcome <> 'ok') AS errors FROM gateway_calls GROUP BY provider`)
    .all() as Array<{provider: string; calls: number; errors: number}>) {
    Object.assign(get(r.provider), {calls: r.calls, errors: r.errors})
  }
  for (const r of db
    .stmt('SELECT provider, COUNT(*) AS n, SUM(latency_ms) AS total FROM sync_latency GROUP BY provider')
    .all() as Array<{provider: string; n: number; total: number}>) {
    Object.assign(get(r.provider), {latencyCount: r.n, latencySumMs: r.total})
  }
  return totals
}

// ---- status ----

export interface RunRow {
  status: string
  startedAt: string
  finishedAt: string | null
  error: string | null
}

/** The newest run in each status group that `status` shows: the latest finished (ok/failed) and the latest failed. */
export function latestRuns(
  db: Db,
  provider: string,
): {finished: RunRow | null; failed: RunRow | null; any: RunRow | null} {
  const pick = (where: string) => {
    const r = db
      .stmt(
        `SELECT status, started_at, finished_at, error FROM sync_runs WHERE provider = ? ${where} ORDER BY started_at DESC, id DESC LIMIT 1`,
      )
      .get(provider) as
      {status: string; started_at: string; finished_at: string | null; error: string | null} | undefined
    return r ? {status: r.status, startedAt: r.started_at, finishedAt: r.finished_at, error: r.error} : null
  }
  return {finished: pick(`AND status IN ('ok', 'failed')`), failed: pick(`AND status = 'failed'`), any: pick('')}
}

export function failedRunsSince(db: Db, provider: string, since: string): number {
  return (
    db
      .stmt(`SELECT COUNT(*) AS n FROM sync_runs WHERE provider = ? AND status = 'failed' AND started_at >= ?`)
      .get(provider, since) as {n: number}
  ).n
}

/** The most recent moments the mirror of a provider is known to have been current. */
export function freshness(db: Db, provider: string): {lastSuccessAt: string | null; newestUpdateAt: string | null} {
  const run = db
    .stmt(`SELECT MAX(finished_at) AS at FROM sync_runs WHERE provider = ? AND status = 'ok'`)
    .get(provider) as {at: string | null}
  const txn = db.stmt('SELECT MAX(updated_at) AS at FROM transactions WHERE provider = ?').get(provider) as {
    at: string | null
  }
  return {lastSuccessAt: run.at, newestUpdateAt: txn.at}
}
