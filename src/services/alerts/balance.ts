import {convertMoney, type FxRate, resolveRate, type ResolvedRate} from '../../core/fx.js'
import {formatDecimal} from '../../core/money.js'
import type {Money} from '../../core/transaction.js'
import {dual} from '../../store/ops/dual.js'
import type {Ops} from '../../store/ops/op.js'
import {rateOnOrBefore} from '../../store/repos/fx.js'
import {customerBalances} from '../../store/repos/ledger.js'
import {getSite} from '../../store/repos/sites.js'

/** An amount as alerts carry it: integer minor units for programs, the decimal for people. */
export interface MoneyView {
  currency: string
  minor: number
  amount: string
}

export function moneyView(m: Money): MoneyView {
  return {currency: m.currency, minor: m.minor, amount: formatDecimal(m)}
}

export interface CustomerBalance {
  /** What the customer owes per currency (negative: in credit); currencies at zero left out, as `customers show`. */
  balances: MoneyView[]
  /** The same in the site's base currency, converted as `customers show` converts; null when a rate is missing. */
  inBase: MoneyView | null
  /** Why inBase is null. */
  baseError: string | null
  /** The date whose rates converted it. */
  rateDate: string
}

/**
 * The customer's balance now, inside the caller's transaction, converted as `customers show` converts (services/fx.ts
 * convertAt: the latest rate on or before the date, direct, inverse or through EUR; the same core functions and the
 * same look-up). Not through convertAt itself: services/fx.ts also parses rate files, and its CSV and XML parsers
 * would load into every sync and its page-writer thread, which run this.
 */
export const customerBalance = dual(function* customerBalance(
  customerId: string,
  siteId: string,
  at: string,
): Ops<CustomerBalance> {
  const balances = yield* customerBalances.ops(customerId)
  const base = (yield* getSite.ops(siteId))?.currency ?? balances[0]?.currency ?? 'EUR'
  const rateDate = at.slice(0, 10)
  const rates: Rates = new Map()
  let minor = 0
  let baseError: string | null = null
  for (const b of balances) {
    const resolved = yield* resolvedRate(b.currency, base, rateDate, rates)
    if (resolved) minor += convertMoney(b, base, resolved.rate).minor
    else baseError = `no exchange rate from ${b.currency} to ${base} on or before ${rateDate}`
  }
  return {
    balances: balances.map(moneyView),
    inBase: baseError === null ? moneyView({minor, currency: base}) : null,
    baseError,
    rateDate,
  }
})

type Rates = Map<string, FxRate | null>

/**
 * resolveRate with the ledger's rates. It asks its lookup synchronously, and which pairs it asks depends on the
 * answers (the leg through EUR only when there is a first one): it runs on the rates read so far, and each pair it
 * asked that was not read yet is read before it runs again, so it reads what it asks and nothing more.
 */
function* resolvedRate(from: string, to: string, date: string, rates: Rates): Ops<ResolvedRate | undefined> {
  for (;;) {
    const missing: Array<[string, string]> = []
    const resolved = resolveRate(from, to, date, (base, quote) => {
      const rate = rates.get(`${base}>${quote}`)
      if (rate === undefined) missing.push([base, quote])
      return rate ?? undefined
    })
    if (missing.length === 0) return resolved
    for (const [base, quote] of missing) rates.set(`${base}>${quote}`, yield* rateOnOrBefore.ops(base, quote, date))
  }
}
