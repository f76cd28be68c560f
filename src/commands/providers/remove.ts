import {Args, Flags} from '@oclif/core'

import {BaseCommand} from '../../cli/base-command.js'
import {removeProvider, type RemoveResult} from '../../services/providers.js'

export default class ProvidersRemove extends BaseCommand<typeof ProvidersRemove> {
  static override summary = 'Remove a connection and its keychain entries; its ledger history stays unless --purge'
  static override args = {id: Args.string({required: true})}
  static override flags = {
    yes: Flags.boolean({char: 'y', description: 'Do not ask for confirmation'}),
    purge: Flags.boolean({description: 'Also delete its transactions, postings and cursors (audit rows always stay)'}),
  }

  async run(): Promise<RemoveResult> {
    if (!this.flags.yes) {
      this.requireInteractive(['--yes'])
      const {confirm} = await import('@inquirer/prompts')
      const ok = await confirm(
        {
          message: `Remove provider ${this.args.id}${this.flags.purge ? ' and purge its ledger history' : ''}?`,
          default: false,
        },
        {output: process.stderr},
      )
      if (!ok) {
        this.out('nothing removed')
        return {id: this.args.id, removed: false, purged: false, secretsDeleted: []}
      }
    }
    const result = await removeProvider(await this.ledger(), this.ctx, this.args.id, {purge: this.flags.purge === true})
    this.out(
      `provider ${result.id} removed${result.purged ? ' and purged' : ''}; keychain entries deleted: ${result.secretsDeleted.join(', ') || 'none'}`,
    )
    return result
  }
}
