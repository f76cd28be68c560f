import {Flags} from '@oclif/core'

import {BaseCommand} from '../cli/base-command.js'
import {metricsExposition} from '../cli/metrics-exposition.js'
import {getLifetimeTotals, getMetrics, getRetryTotals, type MetricsReport} from '../services/metrics.js'
import {ADD_PROVIDER} from '../cli/hints.js'

export default class Metrics extends BaseCommand<typeof Metrics> {
  static override summary = 'Sync latency percentiles, gateway uptime, calls, errors and retries per provider'
  static override description = [
    'Latency: gateway event time to ledger commit, nearest-rank p50/p95/p99 over the window; also by source (pull, webhook), and webhook to ledger: a delivery reaching `webhooks serve` to its commit.',
    'Uptime: the share of UTC minutes with calls in which the gateway answered at least once (2xx/3xx or a 4xx other than 429); a minute whose every call timed out, failed on the network, got a 5xx or 429, or was refused by the circuit breaker is down.',
    "Prometheus: quantiles and uptime cover the window; *_total and the summary count/sum cover all history (counters only grow). Write it where node_exporter's textfile collector reads: yms-pay metrics --format prometheus > /var/lib/node_exporter/yms_pay.prom.$$ && mv ... yms_pay.prom",
  ].join('\n')
  static override examples = [
    '<%= config.bin %> metrics',
    '<%= config.bin %> metrics --window 1h --provider acme-eu --json',
    '<%= config.bin %> metrics --format prometheus',
  ]
  static override flags = {
    window: Flags.string({description: 'How far back: 15m, 1h, 24h, 7d', default: '24h'}),
    provider: Flags.string({description: 'Only this provider'}),
    format: Flags.string({
      description: 'Output format (--json is the same as --format json)',
      options: ['table', 'json', 'prometheus'],
      default: 'table',
    }),
  }

  async run(): Promise<MetricsReport> {
    const report = await this.read(getMetrics.ops(this.ctx, {window: this.flags.window, provider: this.flags.provider}))
    if (this.flags.format === 'prometheus' && !this.jsonEnabled()) {
      const [lifetime, retries] = await this.read(
        (function* () {
          return [yield* getLifetimeTotals.ops(), yield* getRetryTotals.ops()] as const
        })(),
      )
      this.emit(metricsExposition(report, lifetime, retries))
    } else if (this.flags.format === 'json') {
      this.out(JSON.stringify(report, null, 2))
    } else if (report.providers.length === 0) {
      this.out(`no providers and no gateway activity in the window: connect one with \`${ADD_PROVIDER}\``)
    } else {
      const n = (v: number | null) => (v === null ? '-' : v)
      const pct = (v: number | null, digits: number) => (v === null ? '-' : `${v.toFixed(digits)}%`)
      this.out(
        this.ui.table(
          [
            {name: 'provider'},
            {name: 'p50 ms'},
            {name: 'p95 ms', drop: 3},
            {name: 'p99 ms'},
            {name: 'samples', drop: 1},
            {name: 'pull p50 ms', drop: 4},
            {name: 'webhook p50 ms', drop: 4},
            {name: 'hook→ledger p99 ms', drop: 5},
            {name: 'uptime'},
            {name: 'calls', drop: 2},
            {name: 'errors'},
            {name: 'retries', drop: 4},
            {name: 'recovered'},
          ],
          report.providers.map((p) => [
            p.provider,
            n(p.syncLatencyMs.p50),
            n(p.syncLatencyMs.p95),
            n(p.syncLatencyMs.p99),
            p.syncLatencyMs.count,
            n(p.syncLatencyBySource.pull.p50),
            n(p.syncLatencyBySource.webhook.p50),
            n(p.webhookToLedgerMs.p99),
            pct(p.uptimePct, 2),
            p.calls,
            p.errors,
            p.retry.attempted,
            p.retry.successRate === null
              ? '-'
              : `${p.retry.recovered}/${p.retry.eligible} (${(p.retry.successRate * 100).toFixed(1)}%)`,
          ]),
        ),
      )
      this.ctx.note(`window: ${report.from} .. ${report.to} (${report.window})`)
      this.ctx.note(this.ui.wrap(`recovered: ${report.retryDefinition}`))
    }
    return report
  }
}
