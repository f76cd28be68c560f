import type {CallBucket} from '../../core/uptime.js'
import {words} from '../ops/dialect.js'
import {dual} from '../ops/dual.js'
import {all, type Engine, get, type Ops, type Sql} from '../ops/op.js'

/**
 * Aggregates for `metrics` and `status`: latency samples, the gateway call log and sync runs. Read-only; each function is one coarse query so another store could answer it the same way.
 * A window is [since, until) over ISO-8601 UTC text columns written by db.now()/toISOString (same format, so
 * text order is time order).
 */
export interface TimeWindow {
  since: string
  until: string
}

/**
 * SQLite's text as it is, and PostgreSQL's made from it by replacing each `[sqlite, postgres]` pair's first part
 * (which must be there) with its second.
 */
function forPostgres(sqlite: string, ...swaps: ReadonlyArray<readonly [string, string]>): Sql {
  let postgres = sqlite
  for (const [from, to] of swaps) {
    if (!postgres.includes(from)) throw new Error(`not in the statement: ${from}`)
    postgres = postgres.replaceAll(from, to)
  }
  return {sqlite, postgres}
}

/**
 * An optional filter, `(@name IS NULL OR column = @name)`: PostgreSQL cannot type a parameter that is only compared
 * with NULL ("could not determine data type of parameter"), and each `@name` is a parameter of its own there.
 */
function optional(name: string): readonly [string, string] {
  return [`(@${name} IS NULL OR`, `(CAST(@${name} AS text) IS NULL OR`]
}

/** The dialect's `IN` list of integers, its `?` bound by name (the statements here bind one object). */
function inListNamed(name: string): readonly [string, string] {
  const named = (engine: Engine) => {
    const [before, after, ...more] = words(engine).inList('integer').split('?')
    if (after === undefined || more.length > 0) throw new Error('inList is expected to hold one ? parameter')
    return `${before}@${name}${after}`
  }
  return [named('sqlite'), named('postgres')]
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

const LATENCY_COUNT = forPostgres(
  `SELECT COUNT(*) AS n FROM sync_latency WHERE provider = @provider AND committed_at >= @since AND committed_at < @until
         AND (@source IS NULL OR source = @source)`,
  optional('source'),
)

/** `source`: only samples of states that arrived this way (pull, webhook, replay); all by default. */
export const latencyCount = dual(function* latencyCount(provider: string, w: TimeWindow, source?: string): Ops<number> {
  const row = yield* get<{n: number}>(LATENCY_COUNT, {provider, ...w, source: source ?? null})
  return row!.n
})

const LATENCY_AT_RANKS = forPostgres(
  `SELECT rn, latency_ms FROM (
         SELECT latency_ms, ROW_NUMBER() OVER (ORDER BY latency_ms, id) AS rn FROM sync_latency
         WHERE provider = @provider AND committed_at >= @since AND committed_at < @until
           AND (@source IS NULL OR source = @source)
       ) WHERE rn IN (SELECT value FROM json_each(@ranks))`,
  optional('source'),
  inListNamed('ranks'),
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

const CALL_BUCKETS = forPostgres(
  `SELECT provider, substr(at, 1, 16) AS minute, outcome,
         CASE WHEN status IS NULL THEN NULL WHEN status = 429 THEN '429' ELSE (status / 100) || 'xx' END AS status_group,
         COUNT(*) AS calls
       FROM gateway_calls WHERE at >= @since AND at < @until AND (@provider IS NULL OR provider = @provider)
       GROUP BY provider, minute, outcome, status_group ORDER BY provider, minute`,
  optional('provider'),
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
  for (const r of yield* all<{provider: string; calls: number; errors: number}>({
    sqlite: `SELECT provider, COUNT(*) AS calls, SUM(outcome <> 'ok') AS errors FROM gateway_calls GROUP BY provider`,
    // PostgreSQL has no sum() of a boolean.
    postgres: `SELECT provider, COUNT(*) AS calls, COUNT(*) FILTER (WHERE outcome <> 'ok') AS errors FROM gateway_calls GROUP BY provider`,
  })) {
    Object.assign(get1(r.provider), {calls: r.calls, errors: r.errors})
  }
  for (const r of yield* all<{provider: string; n: number; total: number}>(
    'SELECT provider, COUNT(*) AS n, SUM(latency_ms) AS total FROM sync_latency GROUP BY provider',
  )) {
    Object.assign(get1(r.provider), {latencyCount: r.n, latencySumMs: r.total})
  }
  return totals
})

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
