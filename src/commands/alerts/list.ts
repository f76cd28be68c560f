import {BaseCommand} from '../../cli/base-command.js'
import {listAlertTargets, type AlertTargetView} from '../../services/alerts/targets.js'

export default class AlertsList extends BaseCommand<typeof AlertsList> {
  static override summary =
    'List alert receivers: events, where their secrets come from, and what waits to be delivered'

  async run(): Promise<{targets: AlertTargetView[]}> {
    const targets = await listAlertTargets(await this.ledger(), this.ctx)
    if (targets.length === 0) {
      this.out('no alert targets yet: add one with `yms-pay alerts add <id> --url <https://...>`')
      return {targets}
    }
    this.out(
      this.ui.table(
        ['id', 'format', 'url', 'events', 'enabled', 'pending', 'delivered', 'failed', 'secrets', 'last error'],
        targets.map((t) => [
          t.id,
          t.format,
          t.url,
          t.events.join(' '),
          t.enabled ? 'yes' : `no: ${t.disabledReason ?? 'disabled'}`,
          String(t.deliveries.pending),
          String(t.deliveries.delivered),
          String(t.deliveries.failed),
          t.secrets.map((s) => `${s.field}:${s.source ?? 'MISSING'}`).join(' '),
          t.deliveries.lastError ?? '',
        ]),
      ),
    )
    return {targets}
  }
}
