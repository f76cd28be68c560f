import {Flags} from '@oclif/core'

import {BaseCommand} from '../../cli/base-command.js'
import {runDemo, type DemoResult} from '../../services/demo.js'
import {renderReconcileSummaries} from '../../cli/reconcile-view.js'
import {renderStatus} from '../../cli/status-view.js'
import {renderSyncRuns} from '../../cli/sync-runs-view.js'
import {getStatus, type StatusReport} from '../../services/status.js'
import {renderLatency} from '../../cli/latency-view.js'

function alertCounts(byEvent: Record<string, number>): string {
  return (
    Object.entries(byEvent)
      .map(([event, n]) => `${event} ${n}`)
      .join(', ') || 'none'
  )
}

export default class Demo extends BaseCommand<typeof Demo> {
  static override summary =
    'Run the whole loop on a throw-away home: sandbox gateways, YMS import, providers with grants, sync, retries, reconcile, alerts, status'
  static override description =
    "Needs no keychain and no network beyond loopback: the sandbox emulators speak each gateway's real wire format, and secrets are passed as YMS_PAY_SECRET_* variables. One segment is deliberately not granted to one provider, so the quarantine shows what access control does. The failed payments the sync queued are retried on a clock the demo moves on: one provider is down with a fallback (its payments go there), another down without one (its payments recover at their second retry, a day later). Then a live phase (--live seconds): new payments arrive, by webhook into a webhooks serve the demo runs and by the watch loop's pulls; the demo ends with sync latency by source and each gateway's uptime. --keep leaves the home behind to explore with --home."
  static override examples = [
    '<%= config.bin %> demo',
    '<%= config.bin %> demo --keep',
    '<%= config.bin %> demo --json',
  ]
  static override flags = {
    keep: Flags.boolean({description: 'Keep the demo home (its path is printed) to explore with --home'}),
    seed: Flags.integer({description: 'World seed', default: 42}),
    customers: Flags.integer({description: 'Customers in the world', default: 120, min: 1}),
    transactions: Flags.integer({description: 'Payments in the world', default: 1500, min: 1}),
    live: Flags.integer({
      description:
        "Seconds of live phase after the first sync: new payments by webhook into the demo's webhooks serve, and pulls (0: none)",
      default: 15,
      min: 0,
      max: 600,
    }),
  }

  async run(): Promise<Omit<DemoResult, 'finish'> & {status: StatusReport}> {
    const step = (m: string) => this.ctx.note(this.ui.wrap(`${this.ui.chalk.cyan('›')} ${m}`))
    const result = await runDemo(
      this.ctx,
      {
        keep: this.flags.keep,
        seed: this.flags.seed,
        customers: this.flags.customers,
        transactions: this.flags.transactions,
        liveSeconds: this.flags.live,
        onStep: step,
      },
      (db, demoCtx) => getStatus(db, demoCtx),
    )
    const {finish, ...rest} = result
    this.out(renderSyncRuns(rest.sync.runs, this.ui))
    this.out(
      this.ui.wrap(
        `\n${this.ui.chalk.bold('yms-pay reconcile')}  (every site; \`yms-pay reconcile show <run>\` lists the exceptions)`,
      ),
    )
    this.out(renderReconcileSummaries(rest.reconcile, this.ui))
    const r = rest.retries.report
    this.out(
      this.ui.wrap(
        `\n${this.ui.chalk.bold('yms-pay retry report')}  recovered ${r.recovered} of ${r.eligible} finished (${r.byRoute.sameProcessor.recovered} at the same processor, ${r.byRoute.fallback.recovered} through the fallback${rest.retries.fallback ? ` ${rest.retries.fallback.to}` : ''}), ${r.pending} still pending; by retry: ${r.byAttempt.map((a) => `#${a.attempt} ${a.recovered}/${a.attempts}`).join(', ') || '-'}`,
      ),
    )
    this.out(
      this.ui.wrap(
        `\n${this.ui.chalk.bold('yms-pay status')}  (${clockNote(rest.clockMovedMs)}segment "${rest.missingGrant.segment}" is not granted to ${rest.missingGrant.provider}: its objects wait in quarantine)`,
      ),
    )
    this.out(renderStatus(finish, this.ui))
    this.out(this.ui.wrap(`\n${this.ui.chalk.bold('alerts an admin received')}  (${alertCounts(rest.alerts.byEvent)})`))
    for (const line of rest.alerts.samples) this.out(this.ui.wrap(`  ${line}`))
    this.out(
      this.ui.wrap(
        `\n${this.ui.chalk.bold('sync latency by source')}  (pull: gateway event to ledger; webhook: the same, delivered)`,
      ),
    )
    this.out(renderLatency(rest.latency, this.ui))
    this.out(
      rest.kept
        ? `kept: explore with  ${keptHomeCommand(rest.home, process.env)}`
        : 'demo home removed (use --keep to explore it)',
    )
    return {...rest, status: finish}
  }
}

/** The closing status is read on the demo's clock, which the retries moved on: say so, or "26h ago" puzzles. */
function clockNote(movedMs: number): string {
  const hours = Math.round(movedMs / 3_600_000)
  return hours > 0
    ? `on the demo's clock, moved on ${hours} h for the later retries, so the sync was ${hours} h ago; `
    : ''
}

/**
 * The command that reads the kept demo home. The demo always builds a SQLite home of its own, but a shell with
 * YMS_PAY_DATABASE_URL set would send `status` to that PostgreSQL ledger instead: unset it for this one command.
 */
export function keptHomeCommand(home: string, env: NodeJS.ProcessEnv): string {
  const status = `yms-pay status --home ${home}`
  return env.YMS_PAY_DATABASE_URL ? `env -u YMS_PAY_DATABASE_URL ${status}` : status
}
