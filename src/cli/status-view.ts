import {formatMoney} from '../core/money.js'
import type {ProviderStatus, StatusReport} from '../services/status.js'
import type {Cell, Column, Renderer} from './render.js'
import {ADD_PROVIDER} from './hints.js'
import {ago, humanDuration} from './time-text.js'

// What a person needs at a glance stays; the rest gives way on a narrow terminal (kind first). Times are relative
// and errors cut to fit: `status --json` has the exact times and whole messages.
const PROVIDER_COLUMNS: Column[] = [
  {name: 'provider'},
  {name: 'health'},
  {name: 'lag'},
  {name: 'last sync'},
  {name: 'last error', min: 24},
  {name: 'failures 24h', drop: 3},
  {name: 'quarantined', drop: 2},
  {name: 'retries', drop: 4},
  {name: 'kind', drop: 1},
]

/** The `status` screen as text; also the last thing the demo shows. */
export function renderStatus(s: StatusReport, ui: Renderer): string {
  const parts: string[] = []
  const now = Date.parse(s.at)
  if (s.providers.length === 0) parts.push(`no providers yet: connect one with \`${ADD_PROVIDER}\``)
  else
    parts.push(
      ui.table(
        PROVIDER_COLUMNS,
        s.providers.map((p) => providerRow(p, now, ui)),
      ),
    )
  if (s.sites.length > 0) {
    parts.push(
      ui.table(
        // Amounts are never cut: a cut number reads as a smaller one.
        [{name: 'site'}, {name: 'balances', keep: true}, {name: 'in base currency', keep: true}],
        s.sites.map((site) => [
          site.id,
          site.balances.map((b) => formatMoney(b)).join(', ') || '0',
          site.totalInBase
            ? formatMoney(site.totalInBase)
            : `no rate for ${site.missingRates.join(', ')} -> ${site.currency}`,
        ]),
      ),
    )
  }
  const reasons = Object.entries(s.quarantine.byReason)
    .map(([r, n]) => `${r}: ${n}`)
    .join(', ')
  const bySite = s.exceptions.bySite
    .filter((x) => x.open > 0)
    .map((x) => `${x.site}: ${x.open}`)
    .join(', ')
  const fields: Array<[string, Cell]> = [
    ['quarantined (open)', s.quarantine.open + (reasons ? ` (${reasons})` : '')],
    ['reconcile exceptions (open)', s.exceptions.open + (bySite ? ` (${bySite})` : '')],
  ]
  const unmapped = s.unmappedDeclines
  if (unmapped.codes > 0)
    fields.push([
      'unmapped decline codes',
      `${unmapped.codes} (${unmapped.payments} failed payments, not retried): see \`yms-pay retry codes --unmapped\``,
    ])
  if (s.alerts.targets > 0) fields.push(['alerts', alertsLine(s.alerts, now)])
  parts.push(ui.fields(fields))
  return parts.join('\n')
}

function alertsLine(a: StatusReport['alerts'], now: number): string {
  const words = [`${a.pending} waiting${a.oldestPendingAt ? ` (oldest raised ${ago(a.oldestPendingAt, now)})` : ''}`]
  if (a.failed > 0) words.push(`${a.failed} given up`)
  if (a.disabled.length > 0) words.push(`disabled: ${a.disabled.join(', ')} (alerts enable)`)
  return `${a.targets} target(s); ${words.join('; ')}`
}

function providerRow(p: ProviderStatus, now: number, ui: Renderer): Array<string | number> {
  const c = ui.chalk
  const health =
    p.health === 'ok'
      ? c.green(p.health)
      : p.health === 'down' || p.health === 'failing'
        ? c.red(p.health)
        : p.health === 'degraded'
          ? c.yellow(p.health)
          : p.health
  return [
    p.id,
    health,
    p.lagMs === null ? 'never' : humanDuration(p.lagMs),
    p.lastSync ? `${p.lastSync.status} ${ago(p.lastSync.finishedAt ?? p.lastSync.startedAt, now)}` : 'never',
    p.lastError ? `${ago(p.lastError.at, now)}: ${p.lastError.message}` : '',
    p.failures24h,
    p.quarantined,
    p.pendingRetries,
    p.kind,
  ]
}
