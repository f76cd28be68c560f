import {Flags} from '@oclif/core'

import {BaseCommand} from '../../cli/base-command.js'
import {TIME_FORMS} from '../../core/time-input.js'
import {listAudit} from '../../services/audit.js'

export default class AuditList extends BaseCommand<typeof AuditList> {
  static override summary = 'List the latest audit rows (--limit of them), in the order they were written'
  static override flags = {
    since: Flags.string({description: `Only rows written at or after this time: ${TIME_FORMS}`}),
    action: Flags.string({description: 'e.g. provider.add'}),
    provider: Flags.string(),
    actor: Flags.string({description: 'Filter by actor (who acted)'}),
    limit: Flags.integer({default: 50, min: 1}),
  }

  async run(): Promise<{rows: ReturnType<typeof listAudit>}> {
    const rows = listAudit(await this.db(), {
      since: this.flags.since,
      action: this.flags.action,
      provider: this.flags.provider,
      actor: this.flags.actor,
      limit: this.flags.limit,
    })
    this.out(
      this.ui.table(
        ['seq', 'at', 'actor', 'action', 'provider', 'subject', 'outcome'],
        rows.map((r) => [r.seq, r.at, r.actor, r.action, r.provider, r.subject, r.outcome]),
      ),
    )
    return {rows}
  }
}
