import {Args, Flags} from '@oclif/core'

import {BaseCommand} from '../../cli/base-command.js'
import {formatMoney} from '../../core/money.js'
import {convertAmount, type Conversion} from '../../services/fx.js'

export default class FxConvert extends BaseCommand<typeof FxConvert> {
  static override summary = "Convert an amount exactly (banker's rounding) at the latest rate on or before a date"
  static override examples = ['<%= config.bin %> fx convert 125.50 USD JPY --date 2026-11-25']
  static override args = {
    amount: Args.string({required: true, description: 'Decimal string in major units'}),
    from: Args.string({required: true}),
    to: Args.string({required: true}),
  }
  static override flags = {date: Flags.string({description: 'YYYY-MM-DD (default: today, UTC)'})}

  async run(): Promise<Conversion> {
    const c = await this.read(
      convertAmount.ops(this.ctx, {
        amount: this.args.amount,
        from: this.args.from,
        to: this.args.to,
        date: this.flags.date,
      }),
    )
    this.out(`${formatMoney(c.from)} = ${formatMoney(c.to)}  (rate ${c.rate} via ${c.path.join(' → ')}, ${c.rateDate})`)
    return c
  }
}
