import type {AppContext} from '../app/context.js'
import {providerHealth, type Health} from '../core/health.js'
import type {Money} from '../core/transaction.js'
import {summarizeUptime} from '../core/uptime.js'
import {YmsError} from '../core/errors.js'
import {dual} from '../store/ops/dual.js'
import {type Ops, read} from '../store/ops/op.js'
import {alertsOverview, type AlertsOverview} from '../store/repos/alerts-outbox.js'
import {siteBalances} from '../store/repos/ledger.js'
import {listProviders} from '../store/repos/providers.js'
import {countUnmappedCodes} from '../store/repos/decline-codes.js'
import {countOpenQuarantine} from '../store/repos/quarantine.js'
import {openExceptionsBySite} from '../store/repos/reconcile-runs.js'
import {callBuckets, failedRunsSince, freshness, latestRuns} from '../store/repos/reports.js'
import {openChainsByProvider} from '../store/repos/retries-report.js'
import {listSites} from '../store/repos/sites.js'
import {convertAt} from './fx.js'

export interface ProviderStatus {
  id: string
  kind: string
  enabled: boolean
  health: Health
  /** Per-minute uptime over the last hour (core/uptime.ts); null without calls. */
  uptimePctLastHour: number | null
  /**
   * now − the latest moment the mirror is known current: the later of the last successful sync's finish and the
   * newest gateway update time among its committed transactions (webhooks commit without a sync). null: neither.
   */
  lagMs: number | null
  lastSync: {status: string; startedAt: string; finishedAt: string | null} | null
  lastError: {at: string; message: string} | null
  failures24h: number
  quarantined: number
  /** Failed payments of this provider queued for a retry, or waiting for one to settle. */
  pendingRetries: number
}

export interface SiteBalance extends Money {
  /** This balance in the site's base currency at today's rate; null when no rate exists. */
  inBase: Money | null
  rate: string | null
  rateDate: string | null
}

export interface SiteStatus {
  id: string
  name: string
  currency: string
  /** What the site's customers owe per currency (sum of customer accounts; negative = credit). Zero totals omitted. */
  balances: SiteBalance[]
  /** Sum of every balance in the base currency; null when a currency has no rate (see missingRates). */
  totalInBase: Money | null
  missingRates: string[]
}

export interface StatusReport {
  at: string
  providers: ProviderStatus[]
  sites: SiteStatus[]
  quarantine: {open: number; byReason: Record<string, number>}
  /** Open reconcile exceptions as each site's latest run left them (`yms-pay reconcile`). */
  exceptions: {open: number; bySite: Array<{site: string; run: number; open: number}>}
  /** Alert receivers and what waits for them (docs/alerts.md). */
  alerts: AlertsOverview
  /** Decline codes no adapter table or override maps (terminal until one does): `retry codes --unmapped`. */
  unmappedDeclines: {codes: number; payments: number}
}

const HOUR = 3_600_000
const DAY = 24 * HOUR

/** The one-screen overview: provider health, site balances, open quarantine and open reconcile exceptions. */
export const getStatus = dual(function* getStatus(ctx: AppContext): Ops<StatusReport> {
  const now = ctx.now()
  const iso = (ms: number) => new Date(ms).toISOString()
  return yield* read(statusAt(now, iso))
})

function* statusAt(now: number, iso: (ms: number) => string): Ops<StatusReport> {
  const quarantineRows = yield* countOpenQuarantine.ops()
  const openByProvider = new Map<string, number>()
  const byReason: Record<string, number> = {}
  for (const q of quarantineRows) {
    openByProvider.set(q.provider, (openByProvider.get(q.provider) ?? 0) + q.n)
    byReason[q.reason] = (byReason[q.reason] ?? 0) + q.n
  }
  const hourBuckets = yield* callBuckets.ops({since: iso(now - HOUR), until: iso(now + 1)})
  const retries = yield* openChainsByProvider.ops({})
  const providers: ProviderStatus[] = []
  for (const p of yield* listProviders.ops()) {
    const runs = yield* latestRuns.ops(p.id)
    const uptime = summarizeUptime(hourBuckets.filter((b) => b.provider === p.id)).uptimePct
    const fresh = yield* freshness.ops(p.id)
    const lastCurrent = latest(fresh.lastSuccessAt, fresh.newestUpdateAt)
    providers.push({
      id: p.id,
      kind: p.kind,
      enabled: p.enabled,
      health: providerHealth({
        enabled: p.enabled,
        lastRunStatus: runs.finished ? (runs.finished.status as 'ok' | 'failed') : null,
        uptimePctLastHour: uptime,
      }),
      uptimePctLastHour: uptime,
      lagMs: lastCurrent === null ? null : Math.max(0, now - Date.parse(lastCurrent)),
      lastSync: runs.any
        ? {status: runs.any.status, startedAt: runs.any.startedAt, finishedAt: runs.any.finishedAt}
        : null,
      lastError: runs.failed
        ? {at: runs.failed.finishedAt ?? runs.failed.startedAt, message: runs.failed.error ?? 'failed'}
        : null,
      failures24h: yield* failedRunsSince.ops(p.id, iso(now - DAY)),
      quarantined: openByProvider.get(p.id) ?? 0,
      pendingRetries: retries.get(p.id) ?? 0,
    })
  }
  return {
    at: iso(now),
    providers,
    sites: yield* siteStatuses(iso(now).slice(0, 10)),
    quarantine: {open: quarantineRows.reduce((n, q) => n + q.n, 0), byReason},
    exceptions: yield* openExceptions(),
    alerts: yield* alertsOverview.ops(),
    unmappedDeclines: yield* countUnmappedCodes.ops(),
  }
}

function* siteStatuses(today: string): Ops<SiteStatus[]> {
  const balances = (yield* siteBalances.ops()).filter((b) => b.minor !== 0)
  const statuses: SiteStatus[] = []
  for (const site of yield* listSites.ops()) {
    const missing: string[] = []
    let total = 0
    const lines: SiteBalance[] = []
    for (const b of balances.filter((x) => x.site === site.id)) {
      const amount = {minor: b.minor, currency: b.currency}
      try {
        const c = yield* convertAt.ops(amount, site.currency, today)
        total += c.to.minor
        lines.push({...amount, inBase: c.to, rate: c.rate, rateDate: c.rateDate})
      } catch (error) {
        if (!(error instanceof YmsError)) throw error
        missing.push(b.currency)
        lines.push({...amount, inBase: null, rate: null, rateDate: null})
      }
    }
    statuses.push({
      id: site.id,
      name: site.name,
      currency: site.currency,
      balances: lines,
      totalInBase: missing.length > 0 ? null : {minor: total, currency: site.currency},
      missingRates: missing,
    })
  }
  return statuses
}

function* openExceptions(): Ops<StatusReport['exceptions']> {
  const bySite = yield* openExceptionsBySite.ops()
  return {open: bySite.reduce((n, s) => n + s.open, 0), bySite}
}

/** The later of two ISO times (either may be missing or in a different ISO precision). */
function latest(a: string | null, b: string | null): string | null {
  if (a === null) return b
  if (b === null) return a
  return Date.parse(a) >= Date.parse(b) ? a : b
}
