import {UsageError} from '../../core/errors.js'
import {DEFAULT_TOLERANCE, parseTolerance, type Tolerance} from '../../core/reconcile/tolerance.js'
import {dual} from '../../store/ops/dual.js'
import type {Ops} from '../../store/ops/op.js'
import {getSite} from '../../store/repos/sites.js'
import {queryTransactions} from '../../store/repos/transaction-queries.js'
import {refuseUnknownFilterNames} from '../filter-names.js'

/** What `reconcile` was asked, as the command's flags give it. */
export interface ReconcileInput {
  site: string
  from?: string
  to?: string
  providers?: readonly string[]
  tolerance?: string
  /** Days either side of an invoice's due date an unreferenced payment may fall to be matched to it. */
  windowDays?: number
}

export interface RunScope {
  site: string
  currency: string
  from: string | null
  to: string | null
  /** Sorted; empty = every provider. */
  providers: string[]
  tolerance: Tolerance
  windowDays: number
}

export const DEFAULT_WINDOW_DAYS = 30

export const resolveScope = dual(function* resolveScope(input: ReconcileInput): Ops<RunScope> {
  // Sites are never removed, so an unknown one has no history to reconcile: refused like a list filter's typo.
  yield* refuseUnknownFilterNames.ops(0, {site: input.site})
  const site = (yield* getSite.ops(input.site))!
  // A removed provider's payments at this site still reconcile; a name with none and no connection is a typo.
  for (const provider of input.providers ?? [])
    yield* refuseUnknownFilterNames.ops((yield* queryTransactions.ops({site: site.id, provider, limit: 1})).length, {
      provider,
    })
  const from = input.from === undefined ? null : isoBound(input.from, '--from')
  const to = input.to === undefined ? null : isoBound(input.to, '--to')
  if (from !== null && to !== null && from >= to)
    throw new UsageError(`--from ${input.from} is not before --to ${input.to}`)
  const windowDays = input.windowDays ?? DEFAULT_WINDOW_DAYS
  if (!Number.isSafeInteger(windowDays) || windowDays < 1 || windowDays > 366)
    throw new UsageError(`--window ${windowDays}: expected 1 to 366 days`)
  return {
    site: site.id,
    currency: site.currency,
    from,
    to,
    providers: [...new Set(input.providers ?? [])].sort(),
    tolerance: parseTolerance(input.tolerance ?? DEFAULT_TOLERANCE),
    windowDays,
  }
})

/** A date (midnight UTC) or an ISO time, as the canonical UTC string invoices are stored with. */
function isoBound(value: string, flag: string): string {
  const v = value.trim()
  const ms = /^\d{4}-\d{2}-\d{2}$/.test(v)
    ? Date.parse(`${v}T00:00:00Z`)
    : /^\d{4}-\d{2}-\d{2}T/.test(v)
      ? Date.parse(v)
      : NaN
  if (Number.isNaN(ms))
    throw new UsageError(`${flag} ${JSON.stringify(value)}: expected a date (2026-03-01) or an ISO time`)
  return new Date(ms).toISOString()
}
