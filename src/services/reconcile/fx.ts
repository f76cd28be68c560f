import {convertMoney, formatRational, PIVOT, type RateLookup, resolveRate, type ResolvedRate} from '../../core/fx.js'
import type {Convert} from '../../core/reconcile/convert.js'
import type {Db} from '../../store/db.js'
import {dual} from '../../store/ops/dual.js'
import type {Ops} from '../../store/ops/op.js'
import {listRates, rateOnOrBefore, type StoredFxRate} from '../../store/repos/fx.js'

/**
 * The fx service's conversion as the reconciliation asks for it: what `convertAt` (services/fx.ts) does — the
 * latest rate on or before the date, direct, inverse or through EUR, converted exactly and rounded half to even
 * once, the rate shown to 10 places — with each pair and date resolved once per run (a run converts many payments
 * of one day, and a missing rate would otherwise cost a thrown error per payment). null when no rate exists.
 * test/services/reconcile/fx.test.ts holds it to convertAt's answers.
 */
export function fxConverter(db: Db): Convert {
  return converter((b, q, d) => rateOnOrBefore(db, b, q, d) ?? undefined)
}

/**
 * fxConverter for an engine that answers no statement while the engine matches (PostgreSQL: the engine is
 * synchronous, statements are awaited): every rate between these currencies and EUR (the pivot) is read now, in the
 * caller's snapshot, one pair at a time, and looked up in memory as rateOnOrBefore looks it up. A run's currencies
 * are few (its invoices', payments', balances' and the site's); a pair outside them is the caller's mistake, not a
 * missing rate, and throws.
 */
export const preloadedConverter = dual(function* preloadedConverter(currencies: Iterable<string>): Ops<Convert> {
  const among = [...new Set([...currencies, PIVOT])].sort()
  const byPair = new Map<string, StoredFxRate[]>()
  for (const base of among)
    for (const quote of among) if (base !== quote) byPair.set(`${base}/${quote}`, yield* listRates.ops({base, quote}))
  return converter((base, quote, date) => {
    const rates = byPair.get(`${base}/${quote}`)
    if (rates === undefined) throw new Error(`no rates were read for ${base}/${quote}: not among ${among.join(', ')}`)
    return latestOnOrBefore(rates, date.slice(0, 10))
  })
})

/** rates newest first (listRates' order): the first dated on or before `day`, by the text comparison SQL makes. */
function latestOnOrBefore(rates: readonly StoredFxRate[], day: string): StoredFxRate | undefined {
  let lo = 0
  let hi = rates.length
  while (lo < hi) {
    const mid = (lo + hi) >>> 1
    if (rates[mid]!.date > day) lo = mid + 1
    else hi = mid
  }
  return rates[lo]
}

function converter(lookup: RateLookup): Convert {
  const resolved = new Map<string, (ResolvedRate & {text: string}) | null>()
  return (amount, to, date) => {
    const key = [amount.currency, to, date].join(' ')
    let rate = resolved.get(key)
    if (rate === undefined) {
      const r = resolveRate(amount.currency, to, date, lookup)
      rate = r ? {...r, text: formatRational(r.rate, 10)} : null
      resolved.set(key, rate)
    }
    if (rate === null) return null
    return {amount: convertMoney(amount, to, rate.rate), rate: rate.text, rateDate: rate.date, path: rate.path}
  }
}
