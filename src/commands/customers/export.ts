import {Flags} from '@oclif/core'

import {BaseCommand} from '../../cli/base-command.js'
import {csvRow} from '../../core/csv.js'
import {formatDecimal} from '../../core/money.js'
import {exportBalances, type BalanceExport} from '../../services/customers-export.js'

export default class CustomersExport extends BaseCommand<typeof CustomersExport> {
  static override summary = "Export every customer's balance per currency and in the site's base currency, for the YMS"
  static override description =
    "CSV: one line per customer and currency (a customer without a balance: one line at zero in the base currency); base_balance is that line in the site's base currency at the latest rate on or before today, and a customer's lines sum to what `customers show` prints. Cells that begin with = + - @ are neutralised unless they are numbers."
  static override examples = [
    '<%= config.bin %> customers export --balances > balances.csv',
    '<%= config.bin %> customers export --balances --site berlin --format json',
  ]
  static override flags = {
    balances: Flags.boolean({description: 'Export balances (the only export so far)', required: true}),
    site: Flags.string({description: 'Only this site'}),
    format: Flags.string({options: ['csv', 'json'], default: 'csv'}),
  }

  async run(): Promise<BalanceExport> {
    const result = await this.read(exportBalances.ops(this.ctx, {site: this.flags.site}))
    if (this.flags.format === 'json') this.out(JSON.stringify(result, null, 2))
    else if (!this.jsonEnabled()) {
      let text = csvRow(['customer', 'site', 'name', 'currency', 'balance', 'base_currency', 'base_balance'])
      for (const c of result.customers)
        for (const b of c.balances)
          text += csvRow([
            c.id,
            c.site,
            c.name,
            b.currency,
            formatDecimal(b),
            c.baseCurrency,
            b.inBase ? formatDecimal(b.inBase) : '',
          ])
      this.emit(text)
    }
    return result
  }
}
