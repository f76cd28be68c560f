import {Args} from '@oclif/core'

import {BaseCommand} from '../../cli/base-command.js'
import {cancelRetry} from '../../services/retry/cancel.js'
import type {RetryView} from '../../services/retry/views.js'

export default class RetryCancel extends BaseCommand<typeof RetryCancel> {
  static override summary = 'Stop retrying a failed payment (audited)'
  static override examples = ['<%= config.bin %> retry cancel 12', '<%= config.bin %> retry cancel 12 --json']
  static override args = {id: Args.integer({required: true, description: 'The retry id (retry list)', min: 1})}

  async run(): Promise<RetryView> {
    const view = await this.write(cancelRetry.ops(this.ctx, this.args.id))
    this.out(
      this.ui.fields([
        ['retry', view.id],
        ['payment', view.payment],
        ['status', view.status],
        ['note', view.note],
      ]),
    )
    return view
  }
}
