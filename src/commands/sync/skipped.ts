import {Flags} from '@oclif/core'

import {BaseCommand} from '../../cli/base-command.js'
import {UNKNOWN_CODE} from '../../core/transaction.js'
import {listSkippedItems, type SkippedView} from '../../services/sync/skipped.js'

export default class SyncSkipped extends BaseCommand<typeof SyncSkipped> {
  static override summary = 'List what the syncs saw and deliberately did not post, with the reason'
  static override description = `A gateway object that moves nothing in yms-pay's accounts (a dispute hold and its release, for example) is not quarantined: the sync counts it as skipped and keeps it here. Reason ${UNKNOWN_CODE} marks a code the gateway's documentation does not list: check it, it may need a translation.`
  static override examples = [
    '<%= config.bin %> sync skipped',
    `<%= config.bin %> sync skipped --reason ${UNKNOWN_CODE} --json`,
    '<%= config.bin %> sync skipped --provider acme-eu --code T1110 --raw --json',
  ]
  static override flags = {
    provider: Flags.string({description: 'Only this provider'}),
    code: Flags.string({description: 'Only this gateway code (an event code, a journal type)'}),
    reason: Flags.string({description: `Only this reason (e.g. ${UNKNOWN_CODE})`}),
    limit: Flags.integer({description: 'At most this many, most recently seen first', default: 50, min: 1}),
    raw: Flags.boolean({description: 'Include the raw gateway payload of each item'}),
  }

  async run(): Promise<{items: SkippedView[]}> {
    const {provider, code, reason, limit, raw} = this.flags
    const items = await this.read(listSkippedItems.ops({provider, code, reason, limit, raw}))
    if (items.length === 0) this.out('nothing skipped')
    else
      this.out(
        this.ui.table(
          ['id', 'provider', 'external id', 'code', 'seen', 'last seen', 'reason'],
          items.map((s) => [s.id, s.provider, s.externalId, s.code, s.seenCount, s.lastSeenAt, s.reason]),
        ),
      )
    return {items}
  }
}
