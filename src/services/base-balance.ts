import type {Convert} from '../core/reconcile/convert.js'
import type {Money} from '../core/transaction.js'
import {dual} from '../store/ops/dual.js'
import type {Ops} from '../store/ops/op.js'
import {convertAt} from './fx.js'

/**
 * A customer's balances summed in the site's base currency: each currency converted on its own at the latest rate on
 * or before `date` (what `customers show` prints), and the sum of the converted figures. One path for every place
 * that states a base-currency balance (customers show and export, the reconciliation's balance identity), so they
 * agree to the minor unit. A currency without a rate is left out of the sum and named in `error`.
 * `convert` may stand in for convertAt when it gives convertAt's figures (the reconciliation's cached converter,
 * services/reconcile/fx.ts): null means no rate.
 */
export const balanceInBase = dual(function* balanceInBase(
  balances: readonly Money[],
  base: string,
  date: string,
  convert?: Convert,
): Ops<{minor: number; error: string | null}> {
  let minor = 0
  let error: string | null = null
  for (const b of balances) {
    // The same currency converts at 1 to the same amount: no rate to look up.
    if (b.currency === base) {
      minor += b.minor
      continue
    }
    if (convert) {
      const c = convert(b, base, date)
      if (c) minor += c.amount.minor
      else error = `no exchange rate from ${b.currency} to ${base} on or before ${date}`
      continue
    }
    try {
      minor += (yield* convertAt.ops(b, base, date)).to.minor
    } catch (e) {
      error = (e as Error).message
    }
  }
  return {minor, error}
})
