import {Args} from '@oclif/core'

import {BaseCommand} from '../../../cli/base-command.js'
import {type CapChange, setNetworkRule} from '../../../services/retry-rules/caps.js'

export default class RetryCapsSet extends BaseCommand<typeof RetryCapsSet> {
  static override summary = 'Change one card-network rule, or return it to its documented default (audited)'
  static override examples = [
    '<%= config.bin %> retry caps set visa-reattempts-30d 20',
    '<%= config.bin %> retry caps set mastercard-stop-advice 03,21',
    '<%= config.bin %> retry caps set visa-reattempts-30d default',
  ]
  static override args = {
    name: Args.string({required: true, description: 'The setting ("retry caps" lists them)'}),
    value: Args.string({
      required: true,
      description: 'A number, a comma-separated code list (none: empty), or default',
    }),
  }

  async run(): Promise<CapChange> {
    const result = await this.write(setNetworkRule.ops(this.ctx, this.args.name, this.args.value))
    this.out(`${result.changed ? 'set' : 'unchanged'}: ${result.name} = ${result.value} (was ${result.previous})`)
    return result
  }
}
