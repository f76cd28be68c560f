import {Args} from '@oclif/core'

import {BaseCommand} from '../../cli/base-command.js'
import {setProviderEnabled, type ProviderView} from '../../services/providers.js'

export default class ProvidersEnable extends BaseCommand<typeof ProvidersEnable> {
  static override summary = 'Enable a connection'
  static override args = {id: Args.string({required: true})}

  async run(): Promise<ProviderView> {
    const p = await setProviderEnabled(await this.ledger(), this.ctx, this.args.id, true)
    this.out(`provider ${p.id} enabled`)
    return p
  }
}
