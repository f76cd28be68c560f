import {formatMoney} from '../core/money.js'
import type {StatusReport} from '../services/status.js'
import type {Renderer} from './render.js'
import {ADD_PROVIDER} from './hints.js'

/** The `status` screen as text; also the last thing the demo shows. */
export function renderStatus(s: StatusReport, ui: Renderer): string {
  const parts: string[] = []
  const c = ui.chalk
  const colour = (h: string) =>
    h === 'ok' ? c.green(h) : h === 'down' || h === 'failing' ? c.red(h) : h === 'degraded' ? c.yellow(h) : h
  if (s.providers.length === 0) parts.push(`no providers yet: connect one with \`${ADD_PROVIDER}\``)
  else {
    parts.push(
      ui.table(
        ['provider', 'kind', 'health', 'lag', 'last sync', 'last error', 'failures 24h', 'quarantined'],
        s.providers.map((p) => [
          p.id,
          p.kind,
          colour(p.health),
          p.lagMs === null ? 'never' : humanDuration(p.lagMs),
          p.lastSync ? `${p.lastSync.status} ${p.lastSync.finishedAt ?? p.lastSync.startedAt}` : 'never',
          p.lastError ? `${p.lastError.at} ${p.lastError.message}` : '',
          p.failures24h,
          p.quarantined,
        ]),
      ),
    )
  }
  if (s.sites.length > 0) {
    parts.push(
      ui.table(
        ['site', 'balances', 'in base currency'],
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
  parts.push(
    ui.fields([
      ['quarantined (open)', s.quarantine.open + (reasons ? ` (${reasons})` : '')],
      ['reconcile exceptions (open)', s.exceptions.open + (bySite ? ` (${bySite})` : '')],
    ]),
  )
  return parts.join('\n')
}

function humanDuration(ms: number): string {
  const s = Math.round(ms / 1000)
  if (s < 120) return `${s}s`
  const m = Math.round(s / 60)
  if (m < 120) return `${m}m`
  const h = Math.round(m / 60)
  return h < 48 ? `${h}h` : `${Math.round(h / 24)}d`
}
