import {Flags} from '@oclif/core'

import {BaseCommand} from '../../cli/base-command.js'
import {toSecond} from '../../cli/time-text.js'
import {listWebhookEventViews, type WebhookEventView} from '../../services/webhooks/events.js'
import {WEBHOOK_EVENT_STATUSES} from '../../store/repos/webhook-events.js'

export default class WebhooksList extends BaseCommand<typeof WebhooksList> {
  static override summary = 'List the webhook events received, most recent first'
  static override description =
    'One row per gateway event, however often it was delivered. Status: applied; fetching (it names objects still to be read from the gateway); failed (reading them kept failing: the next pull closes the gap, `webhooks replay` tries again).'
  static override examples = [
    '<%= config.bin %> webhooks list',
    '<%= config.bin %> webhooks list --provider acme-eu --status failed --json',
  ]
  static override flags = {
    provider: Flags.string({description: 'Only this provider'}),
    status: Flags.string({description: 'Only this status', options: [...WEBHOOK_EVENT_STATUSES]}),
    limit: Flags.integer({description: 'At most this many', default: 50, min: 1}),
    raw: Flags.boolean({description: 'Include the body received'}),
  }

  async run(): Promise<{events: WebhookEventView[]}> {
    const {provider, status, limit, raw} = this.flags
    const events = await this.read(listWebhookEventViews.ops({provider, status, limit, raw}))
    if (events.length === 0) this.out('no webhook events')
    else
      this.out(
        this.ui.table(
          [
            {name: 'id'},
            {name: 'provider', keep: true},
            {name: 'event', keep: true},
            {name: 'status', keep: true},
            {name: 'deliveries', drop: 2},
            {name: 'received', keep: true, drop: 3},
            {name: 'ms', drop: 1},
            {name: 'what', min: 16},
          ],
          events.map((e) => [
            e.id,
            e.provider,
            e.dedupKey,
            e.status,
            e.deliveries,
            toSecond(e.receivedAt),
            e.commitMs,
            e.error ? `${e.summary} (${e.error})` : e.summary,
          ]),
        ),
      )
    return {events}
  }
}
