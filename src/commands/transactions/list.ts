import {Flags} from '@oclif/core'

import {BaseCommand} from '../../cli/base-command.js'
import {type PageInfo, pageOf} from '../../cli/list-page.js'
import {toSecond} from '../../cli/time-text.js'
import {formatMoney} from '../../core/money.js'
import {TIME_FORMS} from '../../core/time-input.js'
import {TXN_STATUSES, TXN_TYPES} from '../../core/transaction.js'
import {listTransactions, type TxnSummary} from '../../services/transactions.js'

export default class TransactionsList extends BaseCommand<typeof TransactionsList> {
  static override summary = 'List synced payments, refunds and disputes, newest first'
  static override examples = [
    '<%= config.bin %> transactions list --site berlin --status failed',
    '<%= config.bin %> transactions list --provider acme-eu --since 2026-03-01 --json',
  ]
  static override flags = {
    site: Flags.string({description: 'Only this site'}),
    provider: Flags.string({description: 'Only this provider (connection id)'}),
    customer: Flags.string({description: 'Only this customer'}),
    status: Flags.string({description: 'Only this status', options: [...TXN_STATUSES]}),
    type: Flags.string({description: 'Only this type', options: [...TXN_TYPES]}),
    since: Flags.string({description: `Only transactions that occurred at or after this time: ${TIME_FORMS}`}),
    limit: Flags.integer({description: 'At most this many', default: 50, min: 1}),
  }

  async run(): Promise<{transactions: TxnSummary[]} & PageInfo> {
    const {site, provider, customer, status, type, since, limit} = this.flags
    const rows = await this.read(
      listTransactions.ops({site, provider, customer, status, type, since, limit: limit + 1}),
    )
    const {rows: transactions, page} = pageOf(limit, rows, {
      narrowWith: '--since, --provider, --site, --customer, --status or --type',
    })
    if (transactions.length === 0) this.out('no transactions match (run `yms-pay sync` to pull them from the gateways)')
    else {
      this.out(
        this.ui.table(
          [
            {name: 'id'},
            {name: 'type', drop: 4},
            {name: 'status'},
            {name: 'amount', keep: true}, // a cut number reads as a smaller one
            {name: 'customer', drop: 3},
            {name: 'site', drop: 1},
            {name: 'occurred', drop: 2},
          ],
          transactions.map((t) => [
            t.id,
            t.type,
            t.status,
            formatMoney(t.amount),
            t.customer,
            t.site,
            toSecond(t.occurredAt),
          ]),
        ),
      )
    }
    if (page.hint) this.ctx.note(this.ui.wrap(page.hint))
    return {transactions, ...page}
  }
}
