import {Flags} from '@oclif/core'

import {BaseCommand} from '../../../cli/base-command.js'
import {GATEWAY_KINDS} from '../../../gateways/registry.js'
import {type CodesView, listRetryCodes} from '../../../services/retry-rules/codes.js'

export default class RetryCodes extends BaseCommand<typeof RetryCodes> {
  static override summary =
    'List the decline and error codes failed payments came with, how each is decided, and the overrides'
  static override description = `Each adapter decides a failed payment by the gateway's own advice first, then its code table; a code no table maps is terminal and counted as unmapped, so it shows here for an admin to map with "retry codes set". The card-network rules ("retry caps") apply on top of every decision.`
  static override examples = [
    '<%= config.bin %> retry codes',
    '<%= config.bin %> retry codes --unmapped',
    `<%= config.bin %> retry codes --kind ${GATEWAY_KINDS[0]} --json`,
  ]
  static override flags = {
    provider: Flags.string({description: 'Only codes seen through this provider'}),
    kind: Flags.string({description: 'Only this gateway kind'}),
    unmapped: Flags.boolean({description: 'Only codes that came without a mapping and have no override yet'}),
  }

  async run(): Promise<CodesView> {
    const {provider, kind, unmapped} = this.flags
    const view = await this.read(listRetryCodes.ops({provider, kind, unmapped}))
    if (view.codes.length === 0) this.out(unmapped ? 'no unmapped codes' : 'no failed payment seen yet')
    else
      this.out(
        this.ui.table(
          ['provider', 'code', 'seen', 'unmapped', 'adapter', 'override', 'decision', 'last seen', 'last message'],
          view.codes.map((c) => [
            c.provider,
            c.code,
            c.seen,
            c.unmapped,
            `${c.adapter.decision} (${c.adapter.basis})`,
            c.override?.decision ?? '',
            c.effective,
            c.lastSeenAt,
            c.lastMessage,
          ]),
        ),
      )
    const unseen = view.overrides.filter((o) => !view.codes.some((c) => c.kind === o.kind && c.code === o.code))
    if (unseen.length > 0 && !unmapped)
      this.out(
        this.ui.table(
          ['overrides not seen yet', 'decision', 'note', 'set by', 'at'],
          unseen.map((o) => [`${o.kind}:${o.code}`, o.decision, o.note ?? '', o.updatedBy, o.updatedAt]),
        ),
      )
    return view
  }
}
