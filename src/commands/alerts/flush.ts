import {Flags} from '@oclif/core'

import {BaseCommand} from '../../cli/base-command.js'
import {parseDuration} from '../../core/duration.js'
import {flushAlerts, flushExitCode, type FlushResult} from '../../services/alerts/flush.js'

export default class AlertsFlush extends BaseCommand<typeof AlertsFlush> {
  static override summary = 'Deliver the alerts that are due now, once (for cron; sync --watch delivers continuously)'
  static override description =
    'Exit 0 when everything due was delivered, 4 when an attempt failed (a later flush retries it, on the schedule now, 5 s, 5 min, 30 min, 2 h, 5 h, 10 h, 10 h) or a delivery was given up, 78 when a receiver lacks its secret, 75 when another process is delivering.'
  static override flags = {
    timeout: Flags.string({description: 'How long to wait for each receiver', default: '15s'}),
  }

  async run(): Promise<FlushResult> {
    const timeoutMs = parseDuration(this.flags.timeout, '--timeout')
    const result = await flushAlerts(await this.ledger(), this.ctx, {timeoutMs})
    if (result.busy !== null) this.problem(`another process is delivering alerts (${result.busy}); nothing done`)
    for (const b of result.blocked) this.problem(`${b.target}: ${b.reason}`)
    for (const id of result.disabled)
      this.problem(`${id}: the receiver answered 410 Gone; disabled (alerts enable ${id})`)
    this.out(
      `delivered ${result.delivered}, failed ${result.retrying} (to retry), given up ${result.gaveUp}; waiting ${result.pending}${result.nextAttemptAt ? ` (next at ${result.nextAttemptAt})` : ''}${result.pendingDisabled > 0 ? `, ${result.pendingDisabled} for disabled targets` : ''}`,
    )
    process.exitCode = flushExitCode(result)
    return result
  }
}
