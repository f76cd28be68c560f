import {ConfigError} from '../../core/errors.js'
import type {Convert, Conversion} from '../../core/reconcile/convert.js'
import type {Db} from '../../store/db.js'
import {convertAt} from '../fx.js'

/** The fx service as the reconciliation asks it: null instead of an error when no rate exists; answers cached. */
export function fxConverter(db: Db): Convert {
  const cache = new Map<string, Conversion | null>()
  return (amount, to, date) => {
    const key = `${amount.minor} ${amount.currency} ${to} ${date}`
    if (cache.has(key)) return cache.get(key)!
    let answer: Conversion | null = null
    try {
      const c = convertAt(db, amount, to, date)
      answer = {amount: c.to, rate: c.rate, rateDate: c.rateDate, path: c.path}
    } catch (error) {
      if (!(error instanceof ConfigError && error.code === 'fx_rate_missing')) throw error
    }
    cache.set(key, answer)
    return answer
  }
}
