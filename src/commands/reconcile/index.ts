import {Flags} from '@oclif/core'

import {BaseCommand} from '../../cli/base-command.js'
import {createProgressBar} from '../../cli/progress-bar.js'
import {reconcileCsv, renderReconcile} from '../../cli/reconcile-view.js'
import {parseDuration} from '../../core/duration.js'
import {ExitCode} from '../../core/errors.js'
import type {ReconcileResult} from '../../services/reconcile/result.js'

const DAY = 86_400_000

// The share of a run each phase takes (measured at a million invoices), so one bar runs from 0 to 100%.
const SPANS: Record<string, [number, number]> = {
  payments: [0, 0.25],
  invoices: [0.25, 0.35],
  matching: [0.4, 0.85],
  storing: [0.85, 1],
}
const PHASES: Record<string, string> = {
  payments: 'reading payments',
  invoices: 'reading invoices',
  matching: 'matching and checking',
  storing: 'storing the run',
}
const overall = (phase: string, done: number, total: number): number => {
  const [from, to] = SPANS[phase] ?? [0, 1]
  return from + (to - from) * (total > 0 ? done / total : 0)
}

export default class Reconcile extends BaseCommand<typeof Reconcile> {
  static override summary = "Reconcile a site's invoices against its payments, refunds and disputes"
  static override description = [
    'Matches by reference (the gateway transaction names the invoice), then, for payments that name none, by rule: same customer, amount within --tolerance (converted at the rate of its date when the currencies differ) and date within --window of the due date, only when exactly one invoice fits and no other payment fits it. Every invoice and payment lands in one class: matched, partially_paid, overpaid, amount_mismatch, currency_mismatch, unpaid, unmatched_payment, duplicate, status_mismatch; every exception says why.',
    'The balance identity is checked on every run: per currency, what the customers owe by the ledger equals invoices - payments + refunds + disputes taken back.',
    'Exit 3 while unresolved exceptions remain or the identity does not hold (cron can page on it); `reconcile resolve <id> --note` resolves one until its facts change.',
  ].join('\n\n')
  static override examples = [
    '<%= config.bin %> reconcile --site berlin',
    '<%= config.bin %> reconcile --site berlin --from 2026-03-01 --to 2026-04-01 --provider acme-eu --json',
    '<%= config.bin %> reconcile --site tokyo --tolerance 1% --format csv > exceptions.csv',
  ]
  static override flags = {
    site: Flags.string({description: 'The site to reconcile', required: true}),
    from: Flags.string({description: 'Invoices issued (and unreferenced payments made) from this date or ISO time'}),
    to: Flags.string({description: '... up to this date or ISO time (exclusive)'}),
    provider: Flags.string({description: 'Only payments of this provider (repeatable)', multiple: true}),
    tolerance: Flags.string({
      description: 'How far a payment may differ from its invoice, as a share of it',
      default: '0.5%',
    }),
    window: Flags.string({
      description: "Days either side of an invoice's due date an unreferenced payment may fall",
      default: '30d',
    }),
    format: Flags.string({
      description: 'Output format (--json is the same as --format json)',
      options: ['table', 'json', 'csv'],
      default: 'table',
    }),
    limit: Flags.integer({
      description: 'Exceptions shown in the table (all are in json and csv)',
      default: 100,
      min: 0,
    }),
  }

  async run(): Promise<ReconcileResult> {
    const ledger = await this.ledger()
    const {runReconcile} = await import('../../services/reconcile/run.js')
    const windowMs = parseDuration(this.flags.window, '--window')
    const bar = process.stderr.isTTY && !this.jsonEnabled() ? createProgressBar(process.stderr) : null
    const {result} = await runReconcile(
      ledger,
      this.ctx,
      {
        site: this.flags.site,
        from: this.flags.from,
        to: this.flags.to,
        providers: this.flags.provider,
        tolerance: this.flags.tolerance,
        windowDays: Math.max(1, Math.round(windowMs / DAY)),
      },
      {
        onProgress: bar
          ? (phase, done, total) => bar.update(PHASES[phase] ?? phase, overall(phase, done, total), 1)
          : undefined,
      },
    )
    bar?.done()
    if (this.flags.format === 'csv' && !this.jsonEnabled()) this.emit(reconcileCsv(result.exceptions))
    else if (this.flags.format === 'json') this.out(JSON.stringify(result, null, 2))
    else this.out(renderReconcile(result, this.ui, {limit: this.flags.limit}))
    if (result.open > 0 || !result.identity.holds) process.exitCode = ExitCode.attention
    return result
  }
}
