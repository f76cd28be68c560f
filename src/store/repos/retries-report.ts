import type {FinishedChain} from '../../core/retry/recovery-rate.js'
import type {RetryStatus} from '../../core/retry/policy.js'
import {bothWays, type Words} from '../ops/dialect.js'
import {dual} from '../ops/dual.js'
import {all} from '../ops/op.js'

/** Which chains a report covers: a window [since, until), a site, the failed payments' provider. */
export interface RetryScope {
  since: string
  until: string
  site?: string
  provider?: string
}

const filter = (w: Words) =>
  `(${w.unset('@site')} OR r.site_id = @site) AND (${w.unset('@provider')} OR r.provider = @provider)`

function params(s: RetryScope): Record<string, string | null> {
  return {since: s.since, until: s.until, site: s.site ?? null, provider: s.provider ?? null}
}

/** Chains that finished in the window. */
export const finishedChains = dual(function* finishedChains(s: RetryScope) {
  const rows = yield* all<{
    status: RetryStatus
    provider: string
    failure_code: string
    amount_minor: number
    currency: string
    recovered_via: 'primary' | 'fallback' | null
    recovered_slot: number | null
  }>(FINISHED, params(s))
  return rows.map((r): FinishedChain => ({
    status: r.status,
    provider: r.provider,
    reason: r.failure_code,
    amount: {minor: r.amount_minor, currency: r.currency},
    recoveredVia: r.recovered_via,
    recoveredSlot: r.recovered_slot,
  }))
})

const FINISHED = bothWays(
  (w) => `SELECT r.status, r.provider, r.failure_code, r.amount_minor, r.currency, r.recovered_via, r.recovered_slot
       FROM retries r WHERE r.finished_at >= @since AND r.finished_at < @until AND ${filter(w)}`,
)

/** Requests sent in the window (our own breaker's refusals left out), per retry number. */
export const attemptsBySlot = dual(function* attemptsBySlot(s: RetryScope) {
  const rows = yield* all<{slot: number; n: number}>(BY_SLOT, params(s))
  return new Map(rows.map((r) => [r.slot, r.n]))
})

const BY_SLOT = bothWays(
  (w) => `SELECT a.slot, COUNT(*) AS n FROM retry_attempts a JOIN retries r ON r.id = a.retry_id
       WHERE a.started_at >= @since AND a.started_at < @until AND a.status <> 'not_sent' AND ${filter(w)}
       GROUP BY a.slot`,
)

/** Requests sent in the window, per primary provider. */
export const attemptsByProvider = dual(function* attemptsByProvider(s: RetryScope) {
  const rows = yield* all<{provider: string; n: number}>(BY_PROVIDER, params(s))
  return new Map(rows.map((r) => [r.provider, r.n]))
})

const BY_PROVIDER = bothWays(
  (w) => `SELECT r.provider, COUNT(*) AS n FROM retry_attempts a JOIN retries r ON r.id = a.retry_id
       WHERE a.started_at >= @since AND a.started_at < @until AND a.status <> 'not_sent' AND ${filter(w)}
       GROUP BY r.provider`,
)

/** Open chains now (queued or resolving), per primary provider; the window does not apply. */
export const openChainsByProvider = dual(function* openChainsByProvider(s: Omit<RetryScope, 'since' | 'until'>) {
  const rows = yield* all<{provider: string; n: number}>(OPEN_BY_PROVIDER, {
    site: s.site ?? null,
    provider: s.provider ?? null,
  })
  return new Map(rows.map((r) => [r.provider, r.n]))
})

const OPEN_BY_PROVIDER = bothWays(
  (w) =>
    `SELECT r.provider, COUNT(*) AS n FROM retries r WHERE r.next_at IS NOT NULL AND ${filter(w)} GROUP BY r.provider`,
)

/** Every chain's outcomes since the beginning, per primary provider: monotonic counters for Prometheus. */
export const lifetimeRetryTotals = dual(function* lifetimeRetryTotals() {
  const rows = yield* all<{provider: string; attempted: number; recovered: number; exhausted: number}>(LIFETIME)
  return new Map(
    rows.map((r) => [r.provider, {attempted: r.attempted, recovered: r.recovered, exhausted: r.exhausted}]),
  )
})

const LIFETIME = bothWays(
  (w) => `SELECT r.provider,
         (SELECT COUNT(*) FROM retry_attempts a JOIN retries x ON x.id = a.retry_id
           WHERE x.provider = r.provider AND a.status <> 'not_sent') AS attempted,
         ${w.sumTrue("r.status = 'recovered'")} AS recovered, ${w.sumTrue("r.status IN ('exhausted', 'stopped')")} AS exhausted
       FROM retries r GROUP BY r.provider`,
)
