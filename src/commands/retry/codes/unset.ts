import {Args} from '@oclif/core'

import {BaseCommand} from '../../../cli/base-command.js'
import {GATEWAY_KINDS} from '../../../gateways/registry.js'
import {type OverrideResult, unsetCodeOverride} from '../../../services/retry-rules/codes.js'

export default class RetryCodesUnset extends BaseCommand<typeof RetryCodesUnset> {
  static override summary = "Remove an override: the code is decided by the adapter's table again (audited)"
  static override examples = [`<%= config.bin %> retry codes unset ${GATEWAY_KINDS[0]} new_decline_code`]
  static override args = {
    kind: Args.string({required: true, description: 'Gateway kind'}),
    code: Args.string({required: true, description: 'The code as the gateway reports it'}),
  }

  async run(): Promise<OverrideResult> {
    const result = await this.write(unsetCodeOverride.ops(this.ctx, this.args.kind, this.args.code))
    this.out(`${result.changed ? 'removed' : 'no override'}: ${result.kind} ${result.code}`)
    return result
  }
}
