import {Args} from '@oclif/core'

import {BaseCommand} from '../../cli/base-command.js'
import {replayWebhookEvent, type WebhookReplayResult} from '../../services/webhooks/events.js'

export default class WebhooksReplay extends BaseCommand<typeof WebhooksReplay> {
  static override summary = 'Re-apply a stored webhook event (audited)'
  static override description =
    'Applies the event exactly as it was verified when it arrived, with the same rules as a sync (an older state than the one stored changes nothing), and reads again any object it names from the gateway.'
  static override examples = ['<%= config.bin %> webhooks replay 42']
  static override args = {
    id: Args.integer({description: 'The webhook event id (`webhooks list`)', required: true, min: 1}),
  }

  async run(): Promise<WebhookReplayResult> {
    const result = await replayWebhookEvent(await this.ledger(), this.ctx, this.args.id)
    this.out(
      this.ui.fields([
        ['event', result.id],
        ['provider', result.provider],
        ['inserted', result.applied.inserted],
        ['updated', result.applied.updated],
        ['unchanged', result.applied.unchanged],
        ['quarantined', result.applied.quarantined],
        ['posted', result.applied.posted],
        ['objects read', result.fetch === null ? 'none named' : result.fetch.ok ? 'yes' : `no: ${result.fetch.error}`],
      ]),
    )
    if (result.fetch && !result.fetch.ok) process.exitCode = 4
    return result
  }
}
