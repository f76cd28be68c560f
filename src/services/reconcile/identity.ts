import {identityLines, type Balances, type GatewaySums} from '../../core/reconcile/identity.js'
import type {Money} from '../../core/transaction.js'
import type {Convert} from '../../core/reconcile/convert.js'
import {dual} from '../../store/ops/dual.js'
import type {Ops} from '../../store/ops/op.js'
import {balanceInBase} from '../base-balance.js'
import type {LedgerCheck} from './ledger-check.js'
import type {IdentityView} from './result.js'

/**
 * The balance identity of a run: per currency from the site's totals, and in the base currency customer by customer
 * through `balanceInBase`, the path `customers show` takes, so that a customer's figure here and there agree.
 * `convert` is the run's converter (services/reconcile/fx.ts), one of its own: balanceInBase then reads nothing.
 */
export const identityView = dual(function* identityView(
  sums: ReadonlyMap<string, GatewaySums>,
  check: LedgerCheck,
  base: string,
  date: string,
  convert: Convert,
): Ops<IdentityView> {
  const ledgerTotals = new Map<string, number>()
  for (const balances of check.ledger.values())
    for (const [currency, minor] of balances) ledgerTotals.set(currency, (ledgerTotals.get(currency) ?? 0) + minor)
  const lines = identityLines(sums, ledgerTotals).map((l) => {
    const m = (minor: number): Money => ({minor, currency: l.currency})
    return {
      currency: l.currency,
      invoices: m(l.invoices),
      payments: m(l.payments),
      refunds: m(l.refunds),
      disputes: m(l.disputes),
      expected: m(l.expected),
      ledger: m(l.ledger),
      difference: m(l.difference),
    }
  })
  const ledger = yield* inBase(check.ledger, base, date, convert)
  const expected = yield* inBase(check.expected, base, date, convert)
  const error = ledger.error ?? expected.error
  return {
    holds: lines.every((l) => l.difference.minor === 0),
    lines,
    base: {
      ledger: error ? null : {minor: ledger.minor, currency: base},
      expected: error ? null : {minor: expected.minor, currency: base},
      holds: error ? null : ledger.minor === expected.minor,
      error,
    },
    unexplained: check.unexplained,
  }
})

/** Every customer's balances in the base currency, summed; customers owing only in it need no conversion. */
function* inBase(
  balances: Balances,
  base: string,
  date: string,
  convert: Convert,
): Ops<{minor: number; error: string | null}> {
  let minor = 0
  let error: string | null = null
  for (const own of balances.values()) {
    if (own.size === 1 && own.has(base)) {
      minor += own.get(base)!
      continue
    }
    const list = [...own].map(([currency, m]) => ({minor: m, currency}))
    const converted = yield* balanceInBase.ops(list, base, date, convert)
    minor += converted.minor
    error ??= converted.error
  }
  return {minor, error}
}
