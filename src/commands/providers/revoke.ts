import {Args, Flags} from '@oclif/core'

import {BaseCommand} from '../../cli/base-command.js'
import {revokeAccess, type GrantResult} from '../../services/providers.js'

export default class ProvidersRevoke extends BaseCommand<typeof ProvidersRevoke> {
  static override summary = 'Take back a grant'
  static override examples = ['<%= config.bin %> providers revoke acme-eu --segment retail --site berlin']
  static override args = {id: Args.string({required: true})}
  static override flags = {
    segment: Flags.string({required: true, description: 'Customer segment, or * for all'}),
    site: Flags.string({default: '*', description: 'Site, or * for all'}),
  }

  async run(): Promise<GrantResult> {
    const result = await this.write(
      revokeAccess.ops(this.ctx, this.args.id, {
        segment: this.flags.segment,
        site: this.flags.site,
      }),
    )
    this.out(`${result.changed ? 'revoked' : 'unchanged'}: ${result.provider} ${this.flags.segment}@${this.flags.site}`)
    return result
  }
}
