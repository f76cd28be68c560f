import type {AppContext} from '../app/context.js'
import {parseDuration} from '../core/duration.js'
import {nearestRank} from '../core/percentiles.js'
import {summarizeUptime, type CallBucket} from '../core/uptime.js'
import {RECOVERY_RATE_DEFINITION, recoveryFigures} from '../core/retry/recovery-rate.js'
import {UsageError} from '../core/errors.js'
import {dual} from '../store/ops/dual.js'
import {type Ops, read} from '../store/ops/op.js'
import {listProviders} from '../store/repos/providers.js'
import {
  callBuckets,
  latencyAtRanks,
  latencyCount,
  lifetimeTotals,
  providersWithActivity,
  type LifetimeTotals,
  type TimeWindow,
} from '../store/repos/reports.js'
import {
  attemptsByProvider,
  finishedChains,
  lifetimeRetryTotals,
  openChainsByProvider,
} from '../store/repos/retries-report.js'
import {commitCount, commitMsAtRanks} from '../store/repos/webhook-events.js'

export interface LatencySummary {
  p50: number | null
  p95: number | null
  p99: number | null
  count: number
}

export interface ProviderMetrics {
  provider: string
  /** Gateway event time -> ledger commit time of the states applied in the window (nearest-rank, exact). */
  syncLatencyMs: LatencySummary
  /** The same, by how the state arrived: a pull, or a webhook (its gateway's delivery delay included). */
  syncLatencyBySource: {pull: LatencySummary; webhook: LatencySummary}
  /**
   * Webhook to ledger: from a delivery reaching `webhooks serve` to its commit, for the events first received in
   * the window. What yms-pay controls, measured to the millisecond (gateways stamp events in whole seconds).
   */
  webhookToLedgerMs: LatencySummary
  /** Share of UTC minutes with calls in which the gateway answered at least once (core/uptime.ts); null: no calls. */
  uptimePct: number | null
  /** Every recorded attempt, including ones our circuit breaker refused locally. */
  calls: number
  /** Attempts that did not end in `ok`: HTTP errors, rate limits, timeouts, network errors, circuit refusals. */
  errors: number
  /** Automated retries of this provider's failed payments (the report's `retryDefinition` says what the rate is). */
  retry: RetryMetrics
}

export interface RetryMetrics {
  /** Retry requests sent in the window (to this provider or its fallback). */
  attempted: number
  /** Chains recovered in the window, of `eligible` the engine finished in it. */
  recovered: number
  eligible: number
  /** Chains open now. */
  pending: number
  successRate: number | null
}

export interface MetricsReport {
  window: string
  from: string
  to: string
  /** What `retry.successRate` is (src/core/retry/recovery-rate.ts). */
  retryDefinition: string
  providers: ProviderMetrics[]
}

const QUANTILES = [50, 95, 99] as const

/**
 * Per-provider sync latency, gateway uptime and call/error counts over [now - window, now).
 * Providers listed: every configured one, plus any removed one that still has data in the window.
 */
export const getMetrics = dual(function* getMetrics(
  ctx: AppContext,
  input: {window?: string; provider?: string} = {},
): Ops<MetricsReport> {
  const windowText = input.window ?? '24h'
  const ms = parseDuration(windowText, '--window')
  const now = ctx.now()
  const w: TimeWindow = {since: new Date(now - ms).toISOString(), until: new Date(now + 1).toISOString()}
  return yield* read(metricsOver(w, windowText, now, input.provider))
})

function* metricsOver(w: TimeWindow, windowText: string, now: number, only: string | undefined): Ops<MetricsReport> {
  const known = (yield* listProviders.ops()).map((p) => p.id)
  const active = yield* providersWithActivity.ops(w)
  let ids = [...new Set([...known, ...active])].sort()
  if (only !== undefined) {
    if (!ids.includes(only))
      throw new UsageError(
        `--provider ${only}: unknown provider with no data in the window`,
        'List them with `yms-pay providers list`.',
      )
    ids = [only]
  }
  const buckets = groupBy(yield* callBuckets.ops(w, only))
  const retries = yield* retryMetrics(w, only)
  const providers: ProviderMetrics[] = []
  for (const provider of ids) {
    const uptime = summarizeUptime(buckets.get(provider) ?? [])
    providers.push({
      provider,
      syncLatencyMs: yield* latencySummary(provider, w),
      syncLatencyBySource: {
        pull: yield* latencySummary(provider, w, 'pull'),
        webhook: yield* latencySummary(provider, w, 'webhook'),
      },
      webhookToLedgerMs: yield* ranked(yield* commitCount.ops(w, provider), (ranks) =>
        commitMsAtRanks.ops(w, ranks, provider),
      ),
      uptimePct: uptime.uptimePct,
      calls: uptime.calls,
      errors: uptime.errors,
      retry: retries(provider),
    })
  }
  return {
    window: windowText,
    from: w.since,
    to: new Date(now).toISOString(),
    retryDefinition: RECOVERY_RATE_DEFINITION,
    providers,
  }
}

/** All-time counters per provider for the Prometheus exposition (monotonic, so rate() works on them). */
export const getLifetimeTotals = dual(function* getLifetimeTotals(): Ops<Map<string, LifetimeTotals>> {
  return yield* read(lifetimeTotals.ops())
})

export type {LifetimeTotals} from '../store/repos/reports.js'

/** All-time retry counters per provider of the failed payments, for the Prometheus exposition. */
export const getRetryTotals = dual(function* getRetryTotals(): Ops<
  Map<string, {attempted: number; recovered: number; exhausted: number}>
> {
  return yield* read(lifetimeRetryTotals.ops())
})

/** The retry figures of each provider's failed payments over the window, as `retry report` defines them. */
function* retryMetrics(w: TimeWindow, provider: string | undefined): Ops<(provider: string) => RetryMetrics> {
  const scope = {since: w.since, until: w.until, provider}
  const chains = yield* finishedChains.ops(scope)
  const sent = yield* attemptsByProvider.ops(scope)
  const open = yield* openChainsByProvider.ops(scope)
  return (id) => {
    const f = recoveryFigures(chains.filter((c) => c.provider === id))
    return {
      attempted: sent.get(id) ?? 0,
      recovered: f.recovered,
      eligible: f.eligible,
      pending: open.get(id) ?? 0,
      successRate: f.rate,
    }
  }
}

function* latencySummary(provider: string, w: TimeWindow, source?: string): Ops<LatencySummary> {
  return yield* ranked(yield* latencyCount.ops(provider, w, source), (ranks) =>
    latencyAtRanks.ops(provider, w, ranks, source),
  )
}

/** p50/p95/p99 (nearest rank) of `count` values, read at their ranks by `valuesAt`. */
function* ranked(count: number, valuesAt: (ranks: number[]) => Ops<Map<number, number>>): Ops<LatencySummary> {
  const ranks = QUANTILES.map((p) => nearestRank(count, p))
  const values = yield* valuesAt(ranks.filter((r): r is number => r !== null))
  const at = (i: number) => {
    const rank = ranks[i]
    return rank === null || rank === undefined ? null : (values.get(rank) ?? null)
  }
  return {p50: at(0), p95: at(1), p99: at(2), count}
}

function groupBy(rows: Array<CallBucket & {provider: string}>): Map<string, CallBucket[]> {
  const map = new Map<string, CallBucket[]>()
  for (const r of rows) {
    const list = map.get(r.provider)
    if (list) list.push(r)
    else map.set(r.provider, [r])
  }
  return map
}
