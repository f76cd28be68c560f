import {convertMoney, formatRational, resolveRate, type ResolvedRate} from '../../core/fx.js'
import type {Convert} from '../../core/reconcile/convert.js'
import type {Db} from '../../store/db.js'
import {rateOnOrBefore} from '../../store/repos/fx.js'

/**
 * The fx service's conversion as the reconciliation asks for it: what `convertAt` (services/fx.ts) does — the
 * latest rate on or before the date, direct, inverse or through EUR, converted exactly and rounded half to even
 * once, the rate shown to 10 places — with each pair and date resolved once per run (a run converts many payments
 * of one day, and a missing rate would otherwise cost a thrown error per payment). null when no rate exists.
 * test/services/reconcile/fx.test.ts holds it to convertAt's answers.
 */
export function fxConverter(db: Db): Convert {
  const resolved = new Map<string, (ResolvedRate & {text: string}) | null>()
  return (amount, to, date) => {
    const key = [amount.currency, to, date].join(' ')
    let rate = resolved.get(key)
    if (rate === undefined) {
      const r = resolveRate(amount.currency, to, date, (b, q, d) => rateOnOrBefore(db, b, q, d) ?? undefined)
      rate = r ? {...r, text: formatRational(r.rate, 10)} : null
      resolved.set(key, rate)
    }
    if (rate === null) return null
    return {amount: convertMoney(amount, to, rate.rate), rate: rate.text, rateDate: rate.date, path: rate.path}
  }
}
