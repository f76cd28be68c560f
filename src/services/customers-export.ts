import type {AppContext} from '../app/context.js'
import type {Money} from '../core/transaction.js'
import {dual} from '../store/ops/dual.js'
import {type Ops, read} from '../store/ops/op.js'
import {allCustomerBalances} from '../store/repos/customer-balances.js'
import {listSites} from '../store/repos/sites.js'
import {balanceInBase} from './base-balance.js'
import {refuseUnknownFilterNames} from './filter-names.js'

export interface ExportedBalance extends Money {
  /** This currency's balance in the site's base currency (null: no rate). */
  inBase: Money | null
}

export interface ExportedCustomer {
  id: string
  site: string
  name: string | null
  /** The site's base currency. */
  baseCurrency: string
  balances: ExportedBalance[]
  /** The sum of the converted balances, as `customers show` gives it; null when a currency has no rate. */
  baseBalance: Money | null
  baseBalanceError: string | null
}

export interface BalanceExport {
  /** The rates used are the latest on or before this date. */
  ratesOn: string
  site: string | null
  customers: ExportedCustomer[]
}

/**
 * Every customer's balance per currency and in its site's base currency, for the YMS to import. A customer without
 * a balance is listed at zero in the base currency. Conversions take the path `customers show` takes.
 */
export const exportBalances = dual(function* exportBalances(
  ctx: Pick<AppContext, 'now'>,
  filter: {site?: string},
): Ops<BalanceExport> {
  yield* refuseUnknownFilterNames.ops(0, {site: filter.site})
  const ratesOn = new Date(ctx.now()).toISOString().slice(0, 10)
  const baseOf = new Map((yield* listSites.ops()).map((s) => [s.id, s.currency]))
  const customers = yield* read(allCustomerBalances.ops(filter.site))
  const exported: ExportedCustomer[] = []
  for (const c of customers) {
    const base = baseOf.get(c.site) ?? c.balances[0]?.currency ?? 'EUR'
    const own = c.balances.length > 0 ? c.balances : [{minor: 0, currency: base}]
    const balances: ExportedBalance[] = []
    for (const b of own) {
      const converted = yield* balanceInBase.ops([b], base, ratesOn)
      balances.push({...b, inBase: converted.error ? null : {minor: converted.minor, currency: base}})
    }
    const total = yield* balanceInBase.ops(own, base, ratesOn)
    exported.push({
      id: c.id,
      site: c.site,
      name: c.name,
      baseCurrency: base,
      balances,
      baseBalance: total.error ? null : {minor: total.minor, currency: base},
      baseBalanceError: total.error,
    })
  }
  return {ratesOn, site: filter.site ?? null, customers: exported}
})
