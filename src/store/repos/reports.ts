import type {CallBucket} from '../../core/uptime.js'
import {bothWays} from '../ops/dialect.js'
import {dual} from '../ops/dual.js'
import {all, get, type Ops} from '../ops/op.js'

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
export const providersWithActivity = dual(function* providersWithActivity(w: TimeWindow): Ops<string[]> {
  const rows = yield* all<{provider: string}>(
    `SELECT provider FROM sync_latency WHERE committed_at >= @since AND committed_at < @until
       UNION SELECT provider FROM gateway_calls WHERE at >= @since AND at < @until ORDER BY provider`,
    {...w},
  )
  return rows.map((r) => r.provider)
})

const LATENCY_COUNT = bothWays(
  (
    w,
  ) => `SELECT COUNT(*) AS n FROM sync_latency WHERE provider = @provider AND committed_at >= @since AND committed_at < @until
         AND (${w.unset('@source')} OR source = @source)`,
)

/** `source`: only samples of states that arrived this way (pull, webhook, replay); all by default. */
export const latencyCount = dual(function* latencyCount(provider: string, w: TimeWindow, source?: string): Ops<number> {
  const row = yield* get<{n: number}>(LATENCY_COUNT, {provider, ...w, source: source ?? null})
  return row!.n
})

const LATENCY_AT_RANKS = bothWays(
  (w) => `SELECT rn, latency_ms FROM (
         SELECT latency_ms, ROW_NUMBER() OVER (ORDER BY latency_ms, id) AS rn FROM sync_latency
         WHERE provider = @provider AND committed_at >= @since AND committed_at < @until
           AND (${w.unset('@source')} OR source = @source)
       ) WHERE rn ${w.inList('integer', '@ranks')}`,
)

/**
 * The latency values at the given 1-based ranks of the window's samples in ascending order, computed by the database
 * (exact, and without loading every sample into memory). Ties are ordered by id, which does not change values.
 */
export const latencyAtRanks = dual(function* latencyAtRanks(
  provider: string,
  w: TimeWindow,
  ranks: readonly number[],
  source?: string,
): Ops<Map<number, number>> {
  if (ranks.length === 0) return new Map()
  const rows = yield* all<{rn: number; latency_ms: number}>(LATENCY_AT_RANKS, {
    provider,
    ...w,
    source: source ?? null,
    ranks: JSON.stringify([...new Set(ranks)]),
  })
  return new Map(rows.map((r) => [r.rn, r.latency_ms]))
})

const CALL_BUCKETS = bothWays(
  (w) => `SELECT provider, substr(at, 1, 16) AS minute, outcome,
         CASE WHEN status IS NULL THEN NULL WHEN status = 429 THEN '429' ELSE (status / 100) || 'xx' END AS status_group,
         COUNT(*) AS calls
       FROM gateway_calls WHERE at >= @since AND at < @until AND (${w.unset('@provider')} OR provider = @provider)
       GROUP BY provider, minute, outcome, status_group ORDER BY provider, minute`,
)

/** Calls per provider, UTC minute, outcome and status group: what core/uptime.ts needs, at most a few rows a minute. */
export const callBuckets = dual(function* callBuckets(
  w: TimeWindow,
  provider?: string,
): Ops<Array<CallBucket & {provider: string}>> {
  const rows = yield* all<{
    provider: string
    minute: string
    outcome: string
    status_group: string | null
    calls: number
  }>(CALL_BUCKETS, {...w, provider: provider ?? null})
  return rows.map((r) => ({
    provider: r.provider,
    minute: r.minute,
    outcome: r.outcome,
    statusGroup: r.status_group,
    calls: r.calls,
  }))
})

export interface LifetimeTotals {
  calls: number
  errors: number
  latencyCount: number
  latencySumMs: number
}

/** Everything ever recorded per provider: the monotonic counters a Prometheus scrape wants (rate() over them). */
export const lifetimeTotals = dual(function* lifetimeTotals(): Ops<Map<string, LifetimeTotals>> {
  const totals = new Map<string, LifetimeTotals>()
  const get1 = (p: string) =>
    totals.get(p) ?? totals.set(p, {calls: 0, errors: 0, latencyCount: 0, latencySumMs: 0}).get(p)!
  for (const r of yield* all<{provider: string; calls: number; errors: number}>(CALLS_AND_ERRORS)) {
    Object.assign(get1(r.provider), {calls: r.calls, errors: r.errors})
  }
  for (const r of yield* all<{provider: string; n: number; total: number}>(
    'SELECT provider, COUNT(*) AS n, SUM(latency_ms) AS total FROM sync_latency GROUP BY provider',
  )) {
    Object.assign(get1(r.provider), {latencyCount: r.n, latencySumMs: r.total})
  }
  return totals
})

const CALLS_AND_ERRORS = bothWays(
  (w) =>
    `SELECT provider, COUNT(*) AS calls, ${w.sumTrue(`outcome <> 'ok'`)} AS errors FROM gateway_calls GROUP BY provider`,
)

// ---- status ----

export interface RunRow {
  status: string
  startedAt: string
  finishedAt: string | null
  error: string | null
}

/** The newest run in each status group that `status` shows: the latest finished (ok/failed) and the latest failed. */
export const latestRuns = dual(function* latestRuns(
  provider: string,
): Ops<{finished: RunRow | null; failed: RunRow | null; any: RunRow | null}> {
  function* pick(where: string): Ops<RunRow | null> {
    const r = yield* get<{status: string; started_at: string; finished_at: string | null; error: string | null}>(
      `SELECT status, started_at, finished_at, error FROM sync_runs WHERE provider = ? ${where} ORDER BY started_at DESC, id DESC LIMIT 1`,
      [provider],
    )
    return r ? {status: r.status, startedAt: r.started_at, finishedAt: r.finished_at, error: r.error} : null
  }
  return {
    finished: yield* pick(`AND status IN ('ok', 'failed')`),
    failed: yield* pick(`AND status = 'failed'`),
    any: yield* pick(''),
  }
})

export const failedRunsSince = dual(function* failedRunsSince(provider: string, since: string): Ops<number> {
  const row = yield* get<{n: number}>(
    `SELECT COUNT(*) AS n FROM sync_runs WHERE provider = ? AND status = 'failed' AND started_at >= ?`,
    [provider, since],
  )
  return row!.n
})

/** The most recent moments the mirror of a provider is known to have been current. */
export const freshness = dual(function* freshness(
  provider: string,
): Ops<{lastSuccessAt: string | null; newestUpdateAt: string | null}> {
  const run = yield* get<{at: string | null}>(
    `SELECT MAX(finished_at) AS at FROM sync_runs WHERE provider = ? AND status = 'ok'`,
    [provider],
  )
  const txn = yield* get<{at: string | null}>('SELECT MAX(updated_at) AS at FROM transactions WHERE provider = ?', [
    provider,
  ])
  return {lastSuccessAt: run!.at, newestUpdateAt: txn!.at}
})
