import {Flags} from '@oclif/core'

import {BaseCommand} from '../../cli/base-command.js'
import {type PageInfo, pageOf} from '../../cli/list-page.js'
import {toSecond} from '../../cli/time-text.js'
import {formatMoney} from '../../core/money.js'
import {listRetries, RETRY_LIST_STATUSES, type RetryListStatus, type RetryView} from '../../services/retry/views.js'

export default class RetryList extends BaseCommand<typeof RetryList> {
  static override summary = 'List retry chains of failed payments: open ones by default'
  static override description =
    "open: queued for their next retry, or resolving (an attempt's outcome is being asked about; nothing else is sent for the payment meanwhile). Finished: recovered, exhausted (every retry used), stopped (a hard decline on a retry), canceled, superseded (paid by other means). --json adds every request of each chain."
  static override examples = ['<%= config.bin %> retry list', '<%= config.bin %> retry list --status recovered --json']
  static override flags = {
    status: Flags.string({description: 'Which chains', options: [...RETRY_LIST_STATUSES], default: 'open'}),
    provider: Flags.string({description: 'Only failed payments of this provider'}),
    limit: Flags.integer({description: 'At most this many, most recently changed first', default: 50, min: 1}),
  }

  async run(): Promise<{retries: RetryView[]} & PageInfo> {
    const status = this.flags.status as RetryListStatus
    const {limit, provider} = this.flags
    const {rows, page} = pageOf(limit, await this.read(listRetries.ops({status, provider, limit: limit + 1})), {
      narrowWith: '--status or --provider',
    })
    if (rows.length === 0) this.out(`no retries (${status})`)
    else
      this.out(
        this.ui.table(
          [
            {name: 'id'},
            {name: 'payment', keep: true},
            {name: 'amount', keep: true},
            {name: 'status', keep: true},
            {name: 'tries', drop: 2},
            {name: 'next', drop: 1},
            {name: 'note', min: 16},
          ],
          rows.map((r) => [
            r.id,
            r.payment,
            formatMoney(r.amount),
            r.status,
            r.attempts,
            r.nextAt ? toSecond(r.nextAt) : null,
            r.note,
          ]),
        ),
      )
    if (page.hint) this.ctx.note(this.ui.wrap(page.hint))
    return {retries: rows, ...page}
  }
}
