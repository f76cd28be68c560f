import {Flags} from '@oclif/core'

import {BaseCommand} from '../../cli/base-command.js'
import type {FxRate} from '../../core/fx.js'
import {listRates} from '../../services/fx.js'

export default class FxList extends BaseCommand<typeof FxList> {
  static override summary = 'List stored rates (latest first)'
  static override flags = {
    base: Flags.string(),
    quote: Flags.string(),
    limit: Flags.integer({default: 100, min: 1}),
  }

  async run(): Promise<{rates: FxRate[]}> {
    const rates = listRates(await this.db(), {base: this.flags.base, quote: this.flags.quote, limit: this.flags.limit})
    this.out(
      rates.length === 0
        ? 'no rates yet: `yms-pay fx import eurofxref-daily.xml` or `yms-pay fx set`'
        : this.ui.table(
            ['date', 'base', 'quote', 'rate'],
            rates.map((r) => [r.date, r.base, r.quote, r.rate]),
          ),
    )
    return {rates}
  }
}
