import {Flags} from '@oclif/core'

import {BaseCommand} from '../../cli/base-command.js'
import {replayQuarantined, type ReplayResult} from '../../services/quarantine.js'

export default class QuarantineReplay extends BaseCommand<typeof QuarantineReplay> {
  static override summary = 'Re-apply quarantined items once their cause is fixed'
  static override description =
    'Applies open items with the same rules as a sync; items that still fail stay quarantined. Invalid payloads are not replayable: the next sync re-reads them from the gateway.'
  static override examples = [
    '<%= config.bin %> quarantine replay --id 12 --id 15',
    '<%= config.bin %> quarantine replay --all --json',
  ]
  static override flags = {
    id: Flags.integer({description: 'A quarantine id (repeatable)', multiple: true, min: 1}),
    all: Flags.boolean({description: 'Every open item'}),
  }

  async run(): Promise<ReplayResult> {
    const result = await replayQuarantined(await this.ledger(), this.ctx, {ids: this.flags.id, all: this.flags.all})
    this.out(
      this.ui.fields([
        ['considered', result.considered],
        ['applied', result.applied],
        ['still quarantined', result.stillQuarantined],
        ['not replayable', result.notReplayable],
      ]),
    )
    return result
  }
}
