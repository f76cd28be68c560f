import {Flags} from '@oclif/core'

import {BaseCommand} from '../../cli/base-command.js'
import {installStopSignals} from '../../cli/stop-signals.js'
import {ExitCode} from '../../core/errors.js'
import {runRetries, type RetryRunResult} from '../../services/retry/run.js'

export default class RetryRun extends BaseCommand<typeof RetryRun> {
  static override summary = 'Retry the failed payments that are due (cron), through the primary or its fallback'
  static override description = [
    "Each failed payment whose decision is retry is queued by the sync that sees it; its retries follow the provider's --retry-schedule up to --max-retries.",
    "A retry goes to the primary; when the primary cannot take payments (it failed a probe, or its breaker opened), to its --fallback if that one has a write grant for the customer and the customer's payment method (retry methods import); otherwise the slot passes. Every decision is in the audit log.",
    'Never a double charge: each attempt is recorded before it is sent, under an idempotency key derived from the payment and the attempt; an attempt whose outcome is unknown is asked about (the same request under the same key, a look-up, the ledger) before anything else is sent for that payment.',
    'Exit 0 when the run went through (declines included), 4 when a chain could not proceed because of an error, 75 when another run holds the retry lease.',
  ].join('\n')
  static override examples = [
    '<%= config.bin %> retry run',
    '<%= config.bin %> retry run --provider acme-eu --json',
    '<%= config.bin %> retry run --dry-run',
  ]
  static override flags = {
    provider: Flags.string({description: 'Only failed payments of this provider (repeatable)', multiple: true}),
    'dry-run': Flags.boolean({description: 'Show what is due and where it would go; send nothing, change nothing'}),
  }

  async run(): Promise<RetryRunResult> {
    const ledger = await this.ledger()
    const signals = installStopSignals(this.ctx.note)
    try {
      const result = await runRetries(ledger, this.ctx, {
        providers: this.flags.provider,
        dryRun: this.flags['dry-run'],
        signals,
      })
      this.render(result)
      process.exitCode =
        result.status === 'skipped_locked' ? ExitCode.locked : result.errors > 0 ? ExitCode.partial : ExitCode.ok
      return result
    } finally {
      signals.dispose()
    }
  }

  private render(result: RetryRunResult): void {
    if (result.status === 'skipped_locked') {
      this.problem(`another retry run holds the lease (${result.lockedBy}): nothing done`)
      return
    }
    if (result.turns.length === 0) {
      this.out('no retries due')
      return
    }
    this.out(
      this.ui.table(
        [
          {name: 'retry'},
          {name: 'payment', keep: true},
          {name: 'attempt', drop: 2},
          {name: 'action', keep: true},
          {name: 'provider', drop: 1},
          {name: 'outcome', keep: true},
          {name: 'status'},
          {name: 'note', min: 16},
        ],
        result.turns.map((t) => [t.retry, t.payment, t.attempt, t.action, t.provider, t.outcome, t.status, t.note]),
      ),
    )
    if (!result.dryRun)
      this.ctx.note(
        `${result.sent} sent, ${result.recovered} recovered, ${result.unresolved} waiting for an outcome, ${result.exhausted} ended unrecovered${result.errors > 0 ? `, ${result.errors} errors` : ''}`,
      )
  }
}
