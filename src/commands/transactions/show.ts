import {Args} from '@oclif/core'

import {BaseCommand} from '../../cli/base-command.js'
import {formatMoney} from '../../core/money.js'
import {showTransaction, type TransactionDetail} from '../../services/transactions.js'

export default class TransactionsShow extends BaseCommand<typeof TransactionsShow> {
  static override summary = 'Show one transaction: normalized and raw form, ledger postings, state history, audit trail'
  static override args = {id: Args.string({required: true, description: 'Transaction id: <provider>:<externalId>'})}

  async run(): Promise<TransactionDetail> {
    const d = showTransaction(await this.db(), this.args.id)
    this.out(JSON.stringify(d.transaction, null, 2))
    if (d.states.length > 0) {
      this.out(
        this.ui.table(
          ['version', 'status', 'amount', 'gateway updated', 'source', 'recorded'],
          d.states.map((s) => [s.version, s.status, formatMoney(s.amount), s.gatewayUpdatedAt, s.source, s.recordedAt]),
        ),
      )
    }
    if (d.postings.length > 0) {
      this.out(
        this.ui.table(
          ['version', 'account', 'amount', 'posted'],
          d.postings.map((p) => [p.version, p.account, formatMoney(p.amount), p.postedAt]),
        ),
      )
    }
    if (d.audit.length > 0)
      this.out(
        this.ui.table(
          ['seq', 'at', 'actor', 'action', 'outcome'],
          d.audit.map((a) => [a.seq, a.at, a.actor, a.action, a.outcome]),
        ),
      )
    this.out(`raw: ${JSON.stringify(d.raw)}`)
    return d
  }
}
