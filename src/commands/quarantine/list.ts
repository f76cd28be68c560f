import {Flags} from '@oclif/core'

import {BaseCommand} from '../../cli/base-command.js'
import {type PageInfo, pageOf} from '../../cli/list-page.js'
import {toSecond} from '../../cli/time-text.js'
import {QUARANTINE_REASONS} from '../../core/transaction.js'
import {listQuarantined, QUARANTINE_STATUSES, type QuarantineView} from '../../services/quarantine.js'

export default class QuarantineList extends BaseCommand<typeof QuarantineList> {
  static override summary = 'List gateway objects that could not be applied, with the reason'
  static override examples = [
    '<%= config.bin %> quarantine list',
    '<%= config.bin %> quarantine list --reason access_denied --json',
    '<%= config.bin %> quarantine list --status all --raw --json',
  ]
  static override flags = {
    provider: Flags.string({description: 'Only this provider'}),
    reason: Flags.string({description: 'Only this reason', options: [...QUARANTINE_REASONS]}),
    status: Flags.string({description: 'Which items', options: [...QUARANTINE_STATUSES], default: 'open'}),
    limit: Flags.integer({description: 'At most this many, most recently seen first', default: 50, min: 1}),
    raw: Flags.boolean({description: 'Include the raw gateway payload of each item'}),
  }

  async run(): Promise<{items: QuarantineView[]} & PageInfo> {
    const {provider, reason, raw, limit} = this.flags
    const status = this.flags.status as (typeof QUARANTINE_STATUSES)[number]
    const rows = await this.read(listQuarantined.ops({provider, reason, status, limit: limit + 1, raw}))
    const {rows: items, page} = pageOf(limit, rows, {narrowWith: '--provider, --reason or --status'})
    if (items.length === 0) this.out(`nothing quarantined (${status})`)
    else {
      this.out(
        this.ui.table(
          [
            {name: 'id'},
            {name: 'provider', keep: true},
            {name: 'external id', keep: true}, // what `transactions show` and the gateway's dashboard take
            {name: 'reason', keep: true},
            {name: 'status', drop: 2},
            {name: 'seen', drop: 1},
            {name: 'updated', keep: true, drop: 3},
            {name: 'detail', min: 16},
          ],
          items.map((q) => [
            q.id,
            q.provider,
            q.externalId,
            q.reason,
            q.status,
            q.seenCount,
            toSecond(q.updatedAt),
            q.detail,
          ]),
        ),
      )
      if (items.some((q) => q.status === 'open'))
        this.ctx.note(
          this.ui.wrap(
            'fix the cause (a grant, a customer import), then `yms-pay quarantine replay --id N` or `--all`',
          ),
        )
    }
    if (page.hint) this.ctx.note(this.ui.wrap(page.hint))
    return {items, ...page}
  }
}
