import {Flags} from '@oclif/core'

import {BaseCommand} from '../../cli/base-command.js'
import {pageOf, type PageInfo} from '../../cli/list-page.js'
import type {FxRate} from '../../core/fx.js'
import {listRates} from '../../services/fx.js'

export default class FxList extends BaseCommand<typeof FxList> {
  static override summary = 'List stored rates (latest first)'
  static override flags = {
    base: Flags.string({description: 'Only rates of this base currency (1 BASE = rate QUOTE)'}),
    quote: Flags.string({description: 'Only rates into this quote currency'}),
    limit: Flags.integer({description: 'At most this many, latest first', default: 100, min: 1}),
  }

  async run(): Promise<{rates: FxRate[]} & PageInfo> {
    const {base, quote, limit} = this.flags
    const {rows: rates, page} = pageOf(limit, await this.read(listRates.ops({base, quote, limit: limit + 1})), {
      narrowWith: '--base or --quote',
    })
    this.out(
      rates.length === 0 && (base ?? quote) !== undefined
        ? 'no rates match'
        : rates.length === 0
          ? 'no rates yet: `yms-pay fx import eurofxref-daily.xml` or `yms-pay fx set`'
          : this.ui.table(
              [{name: 'date'}, {name: 'base'}, {name: 'quote'}, {name: 'rate', keep: true}],
              rates.map((r) => [r.date, r.base, r.quote, r.rate]),
            ),
    )
    if (page.hint) this.ctx.note(this.ui.wrap(page.hint))
    return {rates, ...page}
  }
}
