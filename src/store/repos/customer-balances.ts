import type {Money} from '../../core/transaction.js'
import type {Db} from '../db.js'

export interface CustomerBalanceRow {
  id: string
  site: string
  name: string | null
  /** Per currency, summed over sites (as `customers show`), zero balances left out, sorted by currency. */
  balances: Money[]
}

/** Every customer (optionally of one site) with its balances, in id order: one pass over customers and balances. */
export function allCustomerBalances(db: Db, site?: string): CustomerBalanceRow[] {
  const customers = db
    .stmt('SELECT id, site, name FROM customers WHERE (@site IS NULL OR site = @site) ORDER BY id')
    .all({site: site ?? null}) as Array<{id: string; site: string; name: string | null}>
  const rows = db
    .stmt(
      `SELECT substr(account, 10) AS customer, currency, SUM(minor) AS minor FROM ledger_balances
       WHERE account GLOB 'customer:*' GROUP BY account, currency HAVING SUM(minor) <> 0 ORDER BY account, currency`,
    )
    .all() as Array<{customer: string; currency: string; minor: number}>
  const byCustomer = new Map<string, Money[]>()
  for (const r of rows) {
    const list = byCustomer.get(r.customer)
    const money = {minor: r.minor, currency: r.currency}
    if (list) list.push(money)
    else byCustomer.set(r.customer, [money])
  }
  return customers.map((c) => ({...c, balances: byCustomer.get(c.id) ?? []}))
}
