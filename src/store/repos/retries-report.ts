import type {FinishedChain} from '../../core/retry/recovery-rate.js'
import type {RetryStatus} from '../../core/retry/policy.js'
import type {Db} from '../db.js'

/** Which chains a report covers: a window [since, until), a site, the failed payments' provider. */
export interface RetryScope {
  since: string
  until: string
  site?: string
  provider?: string
}

const FILTER = `(@site IS NULL OR r.site_id = @site) AND (@provider IS NULL OR r.provider = @provider)`

function params(s: RetryScope): Record<string, string | null> {
  return {since: s.since, until: s.until, site: s.site ?? null, provider: s.provider ?? null}
}

/** Chains that finished in the window. */
export function finishedChains(db: Db, s: RetryScope): FinishedChain[] {
  const rows = db
    .stmt(
      `SELECT r.status, r.provider, r.failure_code, r.amount_minor, r.currency, r.recovered_via, r.recovered_slot
       FROM retries r WHERE r.finished_at >= @since AND r.finished_at < @until AND ${FILTER}`,
    )
    .all(params(s)) as Array<{
    status: RetryStatus
    provider: string
    failure_code: string
    amount_minor: number
    currency: string
    recovered_via: 'primary' | 'fallback' | null
    recovered_slot: number | null
  }>
  return rows.map((r) => ({
    status: r.status,
    provider: r.provider,
    reason: r.failure_code,
    amount: {minor: r.amount_minor, currency: r.currency},
    recoveredVia: r.recovered_via,
    recoveredSlot: r.recovered_slot,
  }))
}

/** Requests sent in the window (our own breaker's refusals left out), per retry number. */
export function attemptsBySlot(db: Db, s: RetryScope): Map<number, number> {
  const rows = db
    .stmt(
      `SELECT a.slot, COUNT(*) AS n FROM retry_attempts a JOIN retries r ON r.id = a.retry_id
       WHERE a.started_at >= @since AND a.started_at < @until AND a.status <> 'not_sent' AND ${FILTER}
       GROUP BY a.slot`,
    )
    .all(params(s)) as Array<{slot: number; n: number}>
  return new Map(rows.map((r) => [r.slot, r.n]))
}

/** Requests sent in the window, per primary provider. */
export function attemptsByProvider(db: Db, s: RetryScope): Map<string, number> {
  const rows = db
    .stmt(
      `SELECT r.provider, COUNT(*) AS n FROM retry_attempts a JOIN retries r ON r.id = a.retry_id
       WHERE a.started_at >= @since AND a.started_at < @until AND a.status <> 'not_sent' AND ${FILTER}
       GROUP BY r.provider`,
    )
    .all(params(s)) as Array<{provider: string; n: number}>
  return new Map(rows.map((r) => [r.provider, r.n]))
}

/** Open chains now (queued or resolving), per primary provider; the window does not apply. */
export function openChainsByProvider(db: Db, s: Omit<RetryScope, 'since' | 'until'>): Map<string, number> {
  const rows = db
    .stmt(
      `SELECT r.provider, COUNT(*) AS n FROM retries r WHERE r.next_at IS NOT NULL AND ${FILTER} GROUP BY r.provider`,
    )
    .all({site: s.site ?? null, provider: s.provider ?? null}) as Array<{provider: string; n: number}>
  return new Map(rows.map((r) => [r.provider, r.n]))
}

/** Every chain's outcomes since the beginning, per primary provider: monotonic counters for Prometheus. */
export function lifetimeRetryTotals(db: Db): Map<string, {attempted: number; recovered: number; exhausted: number}> {
  const rows = db
    .stmt(
      `SELECT r.provider,
         (SELECT COUNT(*) FROM retry_attempts a JOIN retries x ON x.id = a.retry_id
           WHERE x.provider = r.provider AND a.status <> 'not_sent') AS attempted,
         SUM(r.status = 'recovered') AS recovered, SUM(r.status IN ('exhausted', 'stopped')) AS exhausted
       FROM retries r GROUP BY r.provider`,
    )
    .all() as Array<{provider: string; attempted: number; recovered: number; exhausted: number}>
  return new Map(
    rows.map((r) => [r.provider, {attempted: r.attempted, recovered: r.recovered, exhausted: r.exhausted}]),
  )
}
