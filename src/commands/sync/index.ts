import {Flags} from '@oclif/core'

import {BaseCommand} from '../../cli/base-command.js'
import {createLiveView} from '../../cli/live-view.js'
import {installStopSignals} from '../../cli/stop-signals.js'
import {renderSyncRuns} from '../../cli/sync-runs-view.js'
import {parseDuration} from '../../core/duration.js'
import {parseInstant, TIME_FORMS} from '../../core/time-input.js'
import type {ProviderRun} from '../../services/sync/run-provider.js'
import {syncExitCode, watchExitCode} from '../../services/sync/exit-code.js'
import {runSync, type SyncResult} from '../../services/sync/sync.js'
import {watchSync} from '../../services/sync/watch.js'
import type {LedgerHandle} from '../../store/ops/ledger-handle.js'

export default class Sync extends BaseCommand<typeof Sync> {
  static override summary = 'Mirror every payment, refund and dispute from the gateways into the ledger'
  static override description =
    'One-shot for cron (exit 0 ok, 4 if any provider failed, 75 if every provider was locked by another run or a stop signal cut the pass short), or --watch for real time. Each page commits with its cursor in one transaction: a crash or Ctrl-C repeats at most one page and never duplicates a posting.'
  static override examples = [
    '<%= config.bin %> sync',
    '<%= config.bin %> sync --provider acme-eu --json',
    '<%= config.bin %> sync --watch --interval 30s',
    '<%= config.bin %> sync --watch --interval 5m --webhooks-port 8787',
  ]
  static override flags = {
    provider: Flags.string({
      description: 'Only this provider (repeatable); default: every enabled provider',
      multiple: true,
    }),
    since: Flags.string({
      description: `On a first sync, start from this time instead of the adapter default: ${TIME_FORMS}`,
    }),
    watch: Flags.boolean({description: 'Keep syncing every --interval until Ctrl-C / SIGTERM'}),
    interval: Flags.string({description: 'Watch interval per provider (jittered ±10%)', default: '30s'}),
    concurrency: Flags.integer({description: 'Providers synced at once', default: 4, min: 1, max: 32}),
    'webhooks-port': Flags.integer({
      description:
        'With --watch: also receive webhooks on this port (POST /webhooks/<provider-id>, as `webhooks serve`), for real time; the pull closes any gap',
      min: 0,
      max: 65535,
      dependsOn: ['watch'],
    }),
  }

  async run(): Promise<SyncResult> {
    const since = this.flags.since === undefined ? undefined : parseInstant(this.flags.since, '--since', this.ctx.now())
    const ledger = await this.ledger()
    const signals = installStopSignals(this.ctx.note)
    try {
      if (this.flags.watch) return await this.watch(ledger, signals, since)
      // Progress on stderr while a person watches both streams; erased for the result table on stdout.
      const watched = this.ctx.terminal.stdoutIsTty && process.stderr.isTTY && !this.jsonEnabled()
      const live = watched ? createLiveView(this.ui, process.stderr) : null
      const result = await runSync(ledger, this.ctx, {
        providers: this.flags.provider,
        since,
        concurrency: this.flags.concurrency,
        signals,
        onPage: live?.page,
      })
      live?.done({erase: true})
      this.render(result)
      process.exitCode = syncExitCode(result.runs)
      return result
    } finally {
      signals.dispose()
    }
  }

  private async watch(
    ledger: LedgerHandle,
    signals: ReturnType<typeof installStopSignals>,
    since: string | undefined,
  ): Promise<SyncResult> {
    const intervalMs = parseDuration(this.flags.interval, '--interval')
    const tty = this.ctx.terminal.stdoutIsTty && !this.jsonEnabled()
    const live = tty ? createLiveView(this.ui, process.stdout) : null
    // Without a TTY (or with --json): one JSON line per page, for log shippers and scripts.
    const at = () => new Date(this.ctx.now()).toISOString()
    const onPage = live
      ? live.page
      : (e: {provider: string; page: number; counts: object; hasMore: boolean}) =>
          this.jsonLine({at: at(), event: 'page', provider: e.provider, page: e.page, ...e.counts, hasMore: e.hasMore})
    const onRun = live ? live.run : (run: ProviderRun) => this.jsonLine({at: at(), event: 'run', ...run})
    const port = this.flags['webhooks-port']
    const result = await watchSync(ledger, this.ctx, {
      providers: this.flags.provider,
      since,
      intervalMs,
      signals,
      onPage,
      onRun,
      webhooks:
        port === undefined
          ? undefined
          : {
              port,
              onListening: (url) =>
                live
                  ? this.ctx.note(`webhooks: listening on ${url}`)
                  : this.jsonLine({at: at(), event: 'webhooks', url}),
            },
    })
    live?.done()
    if (result.webhooks)
      this.ctx.note(
        `webhooks: accepted ${result.webhooks.accepted}, duplicates ${result.webhooks.duplicates}, refused ${Object.values(result.webhooks.refused).reduce((a, b) => a + b, 0)}`,
      )
    process.exitCode = watchExitCode(result.runs)
    // JSON lines were the output; the final object would only repeat them.
    return this.jsonEnabled() ? (undefined as unknown as SyncResult) : result
  }

  private render(result: SyncResult): void {
    this.out(renderSyncRuns(result.runs, this.ui))
    for (const r of result.runs.filter((x) => x.error)) this.problem(`${r.provider}: ${r.error}`)
    if (result.runs.length === 0) this.ctx.note('no enabled providers: add one with `yms-pay providers add`')
  }
}
