import {Args} from '@oclif/core'

import {BaseCommand} from '../../cli/base-command.js'
import {formatMoney} from '../../core/money.js'
import {showCustomer, type CustomerDetail} from '../../services/customers.js'

export default class CustomersShow extends BaseCommand<typeof CustomersShow> {
  static override summary =
    "Show a customer: refs, balances per currency and in the site's base currency, recent transactions"
  static override args = {id: Args.string({required: true, description: 'Customer id'})}

  async run(): Promise<CustomerDetail> {
    const c = await this.read(showCustomer.ops(this.ctx, this.args.id))
    this.out(
      this.ui.fields([
        ['id', c.id],
        ['name', c.name],
        ['site', c.site],
        ['segment', c.segment],
        ['email', c.email],
        [
          'refs',
          Object.entries(c.refs)
            .map(([k, v]) => `${k}=${v}`)
            .join(' ') || '(none)',
        ],
        ['balance', c.balances.map((b) => formatMoney(b)).join(', ') || '0'],
        ['in ' + c.baseBalance.currency, c.baseBalanceError ?? formatMoney(c.baseBalance)],
      ]),
    )
    if (c.recent.length > 0) {
      this.out(
        this.ui.table(
          [{name: 'transaction'}, {name: 'type'}, {name: 'status'}, {name: 'amount', keep: true}, {name: 'occurred'}],
          c.recent.map((t) => [t.id, t.type, t.status, formatMoney(t.amount), t.occurredAt]),
        ),
      )
      this.ctx.note(
        `the ${c.recent.length} most recent transactions; all of them: yms-pay transactions list --customer ${c.id}`,
      )
    }
    return c
  }
}
