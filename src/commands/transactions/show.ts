import {Args} from '@oclif/core'

import {BaseCommand} from '../../cli/base-command.js'
import {renderTransaction} from '../../cli/transaction-view.js'
import {showTransaction, type TransactionDetail} from '../../services/transactions.js'

export default class TransactionsShow extends BaseCommand<typeof TransactionsShow> {
  static override summary = 'Show one transaction: normalized and raw form, ledger postings, state history, audit trail'
  static override args = {id: Args.string({required: true, description: 'Transaction id: <provider>:<externalId>'})}

  async run(): Promise<TransactionDetail> {
    const d = await this.read(showTransaction.ops(this.args.id))
    this.out(renderTransaction(d, this.ui))
    return d
  }
}
