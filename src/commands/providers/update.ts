import {Args} from '@oclif/core'

import {BaseCommand} from '../../cli/base-command.js'
import {connectionFlags, parseSettings} from '../../cli/provider-flags.js'
import {updateProvider, type ProviderView} from '../../services/providers.js'

export default class ProvidersUpdate extends BaseCommand<typeof ProvidersUpdate> {
  static override summary =
    'Change a connection: base URL, sites (replaces the list), settings (merged), fallback, retry policy'
  static override args = {id: Args.string({required: true})}
  static override flags = {...connectionFlags}

  async run(): Promise<ProviderView> {
    const f = this.flags
    const provider = await updateProvider(await this.ledger(), this.ctx, this.args.id, {
      baseUrl: f['base-url'],
      sites: f.site,
      settings: f.setting ? parseSettings(f.setting) : undefined,
      fallback: f.fallback,
      retrySchedule: f['retry-schedule'],
      maxRetries: f['max-retries'],
    })
    this.out(`provider ${provider.id} updated`)
    return provider
  }
}
