import {BaseCommand} from '../cli/base-command.js'
import {renderStatus} from '../cli/status-view.js'
import {getStatus, type StatusReport} from '../services/status.js'

export default class Status extends BaseCommand<typeof Status> {
  static override summary = 'One screen: provider health and lag, site balances and quarantine'
  static override description =
    'health: down (every minute with calls in the last hour failed), failing (the last sync failed), degraded (some down minutes in the last hour), ok, unknown (no sync, no calls) or disabled. lag: now minus the later of the last successful sync and the newest gateway update committed.'

  async run(): Promise<StatusReport> {
    const s = await this.read(getStatus.ops(this.ctx))
    this.out(renderStatus(s, this.ui))
    return s
  }
}
