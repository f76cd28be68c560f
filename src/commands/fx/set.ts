import {Args, Flags} from '@oclif/core'

import {BaseCommand} from '../../cli/base-command.js'
import {setRate} from '../../services/fx.js'
import type {FxRate} from '../../core/fx.js'

export default class FxSet extends BaseCommand<typeof FxSet> {
  static override summary = 'Set one rate: 1 BASE = rate QUOTE on a date'
  static override examples = ['<%= config.bin %> fx set EUR USD 1.0823 --date 2026-11-25']
  static override args = {
    base: Args.string({required: true}),
    quote: Args.string({required: true}),
    rate: Args.string({required: true, description: 'Decimal string, e.g. 1.0823'}),
  }
  static override flags = {date: Flags.string({description: 'YYYY-MM-DD (default: today, UTC)'})}

  async run(): Promise<FxRate> {
    const rate = await this.write(
      setRate.ops(this.ctx, {
        base: this.args.base,
        quote: this.args.quote,
        rate: this.args.rate,
        date: this.flags.date,
      }),
    )
    this.out(`1 ${rate.base} = ${rate.rate} ${rate.quote} on ${rate.date}`)
    return rate
  }
}
