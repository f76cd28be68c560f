import {Args, Flags} from '@oclif/core'

import {BaseCommand} from '../../cli/base-command.js'
import {grantAccess, type GrantResult} from '../../services/providers.js'

export default class ProvidersGrant extends BaseCommand<typeof ProvidersGrant> {
  static override summary = 'Allow a provider to read or write a customer segment (default is deny)'
  static override examples = ['<%= config.bin %> providers grant acme-eu --segment retail --site berlin --access write']
  static override args = {id: Args.string({required: true})}
  static override flags = {
    segment: Flags.string({required: true, description: 'Customer segment, or * for all'}),
    site: Flags.string({default: '*', description: 'Site, or * for all'}),
    access: Flags.string({options: ['read', 'write'], default: 'write'}),
  }

  async run(): Promise<GrantResult> {
    const result = await this.write(
      grantAccess.ops(this.ctx, this.args.id, {
        segment: this.flags.segment,
        site: this.flags.site,
        access: this.flags.access as 'read' | 'write',
      }),
    )
    this.out(
      `${result.changed ? 'granted' : 'unchanged'}: ${result.provider} ${this.flags.access} ${this.flags.segment}@${this.flags.site}`,
    )
    return result
  }
}
