import {Flags} from '@oclif/core'

import {BaseCommand} from '../../cli/base-command.js'
import {formatMoney} from '../../core/money.js'
import {TIME_FORMS} from '../../core/time-input.js'
import type {Money} from '../../core/transaction.js'
import {retryReport, type RetryReport} from '../../services/retry/report.js'

const pct = (rate: number | null) => (rate === null ? '-' : `${(rate * 100).toFixed(1)}%`)
const amounts = (list: Money[]) => (list.length === 0 ? '-' : list.map(formatMoney).join(', '))

export default class RetryReportCommand extends BaseCommand<typeof RetryReportCommand> {
  static override summary = 'Automated retries: attempted, recovered, exhausted, pending, and the recovery rate'
  static override description =
    'The recovery rate is recovered ÷ retry-eligible failures whose retries finished in the window (recovered, exhausted or stopped; canceled chains and bills paid by other means are left out), by count and by amount per currency; split into same-processor retries and fallbacks, by provider, by decline reason and by attempt number.'
  static override examples = [
    '<%= config.bin %> retry report',
    '<%= config.bin %> retry report --since 7d --site berlin --json',
  ]
  static override flags = {
    since: Flags.string({description: `Start of the window (default 30 days ago): ${TIME_FORMS}`}),
    site: Flags.string({description: 'Only customers of this site'}),
    provider: Flags.string({description: 'Only failed payments of this provider'}),
  }

  async run(): Promise<RetryReport> {
    const r = await this.read(retryReport.ops(this.ctx, this.flags))
    this.out(
      this.ui.fields([
        ['window', `${r.since} .. ${r.until}`],
        ['attempted', r.attempted],
        ['recovered', r.recovered],
        ['exhausted', r.exhausted + r.stopped],
        ['pending', r.pending],
        ['recovery rate', `${pct(r.successRate)} (${r.recovered} of ${r.eligible})`],
        ['  same processor', pct(r.byRoute.sameProcessor.successRate)],
        ['  fallback', pct(r.byRoute.fallback.successRate)],
        ['recovered amount', amounts(r.recoveredAmount)],
        ...r.byAmount.map((a): [string, string] => [
          `  rate ${a.currency}`,
          `${pct(a.rate)} of ${formatMoney(a.eligible)}`,
        ]),
      ]),
    )
    if (r.byProvider.length > 0)
      this.out(
        this.ui.table(
          ['provider', 'attempted', 'recovered', 'of', 'rate', 'pending'],
          r.byProvider.map((p) => [p.provider, p.attempted, p.recovered, p.eligible, pct(p.successRate), p.pending]),
        ),
      )
    if (r.byReason.length > 0)
      this.out(
        this.ui.table(
          ['decline', 'recovered', 'of', 'rate'],
          r.byReason.map((g) => [g.reason, g.recovered, g.eligible, pct(g.successRate)]),
        ),
      )
    if (r.byAttempt.length > 0)
      this.out(
        this.ui.table(
          ['attempt', 'sent', 'recovered', 'rate'],
          r.byAttempt.map((a) => [a.attempt, a.attempts, a.recovered, pct(a.successRate)]),
        ),
      )
    this.ctx.note(this.ui.wrap(`recovery rate: ${r.definition}`))
    return r
  }
}
