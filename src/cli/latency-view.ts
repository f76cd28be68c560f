import type {DemoResult} from '../services/demo.js'
import type {Renderer} from './render.js'

/** Sync latency p50/p99 by source and uptime per provider (the demo's last table). */
export function renderLatency(rows: DemoResult['latency'], ui: Renderer): string {
  const ms = (v: number | null): string => (v === null ? '-' : String(v))
  return ui.table(
    [
      {name: 'provider'},
      {name: 'pull p50 ms'},
      {name: 'pull p99 ms'},
      {name: 'webhook p50 ms'},
      {name: 'webhook p99 ms'},
      {name: 'hook→ledger p99 ms', drop: 2},
      {name: 'uptime', drop: 1},
    ],
    rows.map((r) => [
      r.provider,
      ms(r.pull.p50),
      ms(r.pull.p99),
      ms(r.webhook.p50),
      ms(r.webhook.p99),
      ms(r.webhookToLedgerMs.p99),
      r.uptimePct === null ? '-' : `${r.uptimePct.toFixed(2)}%`,
    ]),
  )
}
