import type {Money} from '../../core/transaction.js'
import {bothWays} from '../ops/dialect.js'
import {dual} from '../ops/dual.js'
import {all, type Ops} from '../ops/op.js'

export interface CustomerBalanceRow {
  id: string
  site: string
  name: string | null
  /** Per currency, summed over sites (as `customers show`), zero balances left out, sorted by currency. */
  balances: Money[]
}

const CUSTOMERS = bothWays(
  (w) => `SELECT id, site, name FROM customers WHERE (${w.unset('@site')} OR site = @site) ORDER BY id`,
)

const BALANCES = bothWays(
  (w) => `SELECT substr(account, 10) AS customer, currency, SUM(minor) AS minor FROM ledger_balances
       WHERE ${w.startsWith('account', 'customer:')} GROUP BY account, currency HAVING SUM(minor) <> 0 ORDER BY account, currency`,
)

/** Every customer (optionally of one site) with its balances, in id order: one pass over customers and balances. */
export const allCustomerBalances = dual(function* allCustomerBalances(site?: string): Ops<CustomerBalanceRow[]> {
  const customers = yield* all<{id: string; site: string; name: string | null}>(CUSTOMERS, {site: site ?? null})
  const rows = yield* all<{customer: string; currency: string; minor: number}>(BALANCES)
  const byCustomer = new Map<string, Money[]>()
  for (const r of rows) {
    const list = byCustomer.get(r.customer)
    const money = {minor: r.minor, currency: r.currency}
    if (list) list.push(money)
    else byCustomer.set(r.customer, [money])
  }
  return customers.map((c): CustomerBalanceRow => ({...c, balances: byCustomer.get(c.id) ?? []}))
})
