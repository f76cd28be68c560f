import {Flags} from '@oclif/core'

import {BaseCommand} from '../../cli/base-command.js'
import {pageOf, type PageInfo} from '../../cli/list-page.js'
import {toSecond} from '../../cli/time-text.js'
import {TIME_FORMS} from '../../core/time-input.js'
import {listAudit, type AuditView} from '../../services/audit.js'

export default class AuditList extends BaseCommand<typeof AuditList> {
  static override summary = 'List the latest audit rows (--limit of them), in the order they were written'
  static override flags = {
    since: Flags.string({description: `Only rows written at or after this time: ${TIME_FORMS}`}),
    action: Flags.string({description: 'Only this action, or a prefix ending in * (e.g. provider.add, provider.*)'}),
    provider: Flags.string({description: 'Only rows about this provider'}),
    actor: Flags.string({description: 'Filter by actor (who acted)'}),
    limit: Flags.integer({description: 'At most this many, the most recent', default: 50, min: 1}),
  }

  async run(): Promise<{rows: AuditView[]} & PageInfo> {
    const {since, action, provider, actor, limit} = this.flags
    const fetched = await this.read(listAudit.ops({since, action, provider, actor, limit: limit + 1}))
    const {rows, page} = pageOf(limit, fetched, {narrowWith: '--since, --action, --provider or --actor', drop: 'first'})
    this.out(
      this.ui.table(
        [
          {name: 'seq'},
          {name: 'at', keep: true},
          {name: 'actor'},
          {name: 'action'},
          {name: 'provider', keep: true, drop: 2},
          {name: 'subject'},
          {name: 'outcome', drop: 1},
        ],
        rows.map((r) => [r.seq, toSecond(r.at), r.actor, r.action, r.provider, r.subject, r.outcome]),
      ),
    )
    if (page.hint) this.ctx.note(this.ui.wrap(page.hint))
    return {rows, ...page}
  }
}
