import {Args, Flags} from '@oclif/core'

import {BaseCommand} from '../../cli/base-command.js'
import {removeAlertTarget, type RemoveTargetResult} from '../../services/alerts/targets.js'

export default class AlertsRemove extends BaseCommand<typeof AlertsRemove> {
  static override summary = 'Remove an alert receiver, the alerts still waiting for it, and its keychain entries'
  static override args = {id: Args.string({required: true})}
  static override flags = {yes: Flags.boolean({char: 'y', description: 'Do not ask for confirmation'})}

  async run(): Promise<RemoveTargetResult> {
    if (!this.flags.yes) {
      this.requireInteractive(['--yes'])
      const {confirm} = await import('@inquirer/prompts')
      const ok = await confirm(
        {message: `Remove alert target ${this.args.id}?`, default: false},
        {output: process.stderr},
      )
      if (!ok) {
        this.out('nothing removed')
        return {id: this.args.id, removed: false, pendingDropped: 0, secretsDeleted: []}
      }
    }
    const result = await removeAlertTarget(await this.ledger(), this.ctx, this.args.id)
    this.out(
      `alert target ${result.id} removed (${result.pendingDropped} undelivered alert(s) dropped); keychain entries deleted: ${result.secretsDeleted.join(', ') || 'none'}`,
    )
    return result
  }
}
