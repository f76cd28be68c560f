import {Args, Flags} from '@oclif/core'

import {BaseCommand} from '../../../cli/base-command.js'
import {GATEWAY_KINDS} from '../../../gateways/registry.js'
import {DECISIONS, type OverrideResult, setCodeOverride} from '../../../services/retry-rules/codes.js'

export default class RetryCodesSet extends BaseCommand<typeof RetryCodesSet> {
  static override summary = "Decide one gateway code yourself, in place of the adapter's table (audited)"
  static override description = `The override applies to every provider of that gateway kind. The gateway's own retry advice and the card-network rules still come first, and an outcome that is unknown is always resolved before any retry. To override a gateway advice value, name it advice:<value> (for example advice:confirm_card_data).`
  static override examples = [
    `<%= config.bin %> retry codes set ${GATEWAY_KINDS[0]} new_decline_code --decision retry --note "soft per the gateway's support"`,
    `<%= config.bin %> retry codes set ${GATEWAY_KINDS[0]} advice:confirm_card_data --decision retry`,
  ]
  static override args = {
    kind: Args.string({required: true, description: `Gateway kind: ${GATEWAY_KINDS.join(', ')}`}),
    code: Args.string({required: true, description: 'The code as the gateway reports it'}),
  }
  static override flags = {
    decision: Flags.string({
      required: true,
      options: [...DECISIONS],
      description: 'What a failure with this code gets',
    }),
    note: Flags.string({description: 'Why, for the next admin (kept with the override and in the audit log)'}),
  }

  async run(): Promise<OverrideResult> {
    const result = await this.write(
      setCodeOverride.ops(this.ctx, {
        kind: this.args.kind,
        code: this.args.code,
        decision: this.flags.decision,
        note: this.flags.note,
      }),
    )
    this.out(`${result.changed ? 'set' : 'unchanged'}: ${result.kind} ${result.code} -> ${result.decision}`)
    return result
  }
}
