import {Args} from '@oclif/core'

import {BaseCommand} from '../../cli/base-command.js'
import {enableAlertTarget, type AlertTargetView} from '../../services/alerts/targets.js'

export default class AlertsEnable extends BaseCommand<typeof AlertsEnable> {
  static override summary =
    'Enable an alert receiver again (one that answered 410 Gone is disabled): its waiting alerts resume in order'
  static override args = {id: Args.string({required: true})}

  async run(): Promise<AlertTargetView> {
    const view = await enableAlertTarget(await this.ledger(), this.ctx, this.args.id)
    this.out(`alert target ${view.id} enabled; ${view.deliveries.pending} alert(s) waiting`)
    return view
  }
}
