import {Args} from '@oclif/core'

import {BaseCommand} from '../../cli/base-command.js'
import {setProviderEnabled, type ProviderView} from '../../services/providers.js'

export default class ProvidersDisable extends BaseCommand<typeof ProvidersDisable> {
  static override summary = 'Disable a connection (sync, webhooks and retries skip it)'
  static override args = {id: Args.string({required: true})}

  async run(): Promise<ProviderView> {
    const p = await setProviderEnabled(await this.ledger(), this.ctx, this.args.id, false)
    this.out(`provider ${p.id} disabled`)
    return p
  }
}
