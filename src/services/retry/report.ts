import type {AppContext} from '../../app/context.js'
import {
  type AmountRate,
  type FinishedChain,
  RECOVERY_RATE_DEFINITION,
  recoveryBy,
  recoveryByAttempt,
  recoveryFigures,
} from '../../core/retry/recovery-rate.js'
import {parseInstant} from '../../core/time-input.js'
import type {Money} from '../../core/transaction.js'
import {dual} from '../../store/ops/dual.js'
import {type Ops, read} from '../../store/ops/op.js'
import {hasChainsOf} from '../../store/repos/retries.js'
import {refuseUnknownFilterNames} from '../filter-names.js'
import {
  attemptsByProvider,
  attemptsBySlot,
  finishedChains,
  openChainsByProvider,
  type RetryScope,
} from '../../store/repos/retries-report.js'

export interface RouteShare {
  recovered: number
  /** This route's recoveries ÷ the same eligible base as the whole (the two shares add up to successRate). */
  successRate: number | null
  recoveredAmount: Money[]
}

export interface RetryReport {
  since: string
  until: string
  site: string | null
  provider: string | null
  definition: string
  /** Requests sent in the window. */
  attempted: number
  /** Chains that finished in the window, by how. */
  recovered: number
  exhausted: number
  stopped: number
  canceled: number
  superseded: number
  /** Chains open now (queued, or waiting for an attempt's outcome). */
  pending: number
  /** Retry-eligible failures whose chain finished in the window (recovered + exhausted + stopped). */
  eligible: number
  successRate: number | null
  recoveredAmount: Money[]
  byAmount: AmountRate[]
  byRoute: {sameProcessor: RouteShare; fallback: RouteShare}
  byProvider: Array<{
    provider: string
    attempted: number
    eligible: number
    recovered: number
    pending: number
    successRate: number | null
    recoveredAmount: Money[]
  }>
  byReason: Array<{reason: string; eligible: number; recovered: number; successRate: number | null}>
  byAttempt: Array<{attempt: number; attempts: number; recovered: number; successRate: number | null}>
}

const DEFAULT_SINCE = '30d'

/** `retry report`: the automated retries over a window, with the recovery rate and its definition. */
export const retryReport = dual(function* retryReport(
  ctx: AppContext,
  input: {since?: string; site?: string; provider?: string} = {},
): Ops<RetryReport> {
  const now = ctx.now()
  const scope: RetryScope = {
    since: parseInstant(input.since ?? DEFAULT_SINCE, '--since', now),
    until: new Date(now + 1).toISOString(),
    site: input.site,
    provider: input.provider,
  }
  yield* refuseUnknownFilterNames.ops(0, {site: input.site})
  // A removed provider's chains still filter; removal cancels the open ones, so any chain in any status counts.
  if (input.provider)
    yield* refuseUnknownFilterNames.ops((yield* hasChainsOf.ops(input.provider)) ? 1 : 0, {provider: input.provider})
  return yield* read(
    (function* () {
      const chains = yield* finishedChains.ops(scope)
      const open = yield* openChainsByProvider.ops(scope)
      const sent = yield* attemptsByProvider.ops(scope)
      const bySlot = yield* attemptsBySlot.ops(scope)
      const count = (status: FinishedChain['status']) => chains.filter((c) => c.status === status).length
      const whole = recoveryFigures(chains)
      return {
        since: scope.since,
        until: new Date(now).toISOString(),
        site: input.site ?? null,
        provider: input.provider ?? null,
        definition: RECOVERY_RATE_DEFINITION,
        attempted: sum(sent.values()),
        recovered: whole.recovered,
        exhausted: count('exhausted'),
        stopped: count('stopped'),
        canceled: count('canceled'),
        superseded: count('superseded'),
        pending: sum(open.values()),
        eligible: whole.eligible,
        successRate: whole.rate,
        recoveredAmount: whole.byAmount.map((a) => a.recovered).filter((m) => m.minor !== 0),
        byAmount: whole.byAmount,
        byRoute: {
          sameProcessor: routeShare(chains, 'primary'),
          fallback: routeShare(chains, 'fallback'),
        },
        byProvider: byProvider(chains, sent, open),
        byReason: recoveryBy(chains, (c) => c.reason).map((g) => ({
          reason: g.key,
          eligible: g.eligible,
          recovered: g.recovered,
          successRate: g.rate,
        })),
        byAttempt: recoveryByAttempt(bySlot, chains),
      }
    })(),
  )
})

function routeShare(chains: readonly FinishedChain[], via: 'primary' | 'fallback'): RouteShare {
  const f = recoveryFigures(chains, (c) => c.recoveredVia === via)
  return {
    recovered: f.recovered,
    successRate: f.rate,
    recoveredAmount: f.byAmount.map((a) => a.recovered).filter((m) => m.minor !== 0),
  }
}

function byProvider(
  chains: readonly FinishedChain[],
  sent: ReadonlyMap<string, number>,
  open: ReadonlyMap<string, number>,
): RetryReport['byProvider'] {
  const ids = [...new Set([...chains.map((c) => c.provider), ...sent.keys(), ...open.keys()])].sort()
  return ids.map((provider) => {
    const f = recoveryFigures(chains.filter((c) => c.provider === provider))
    return {
      provider,
      attempted: sent.get(provider) ?? 0,
      eligible: f.eligible,
      recovered: f.recovered,
      pending: open.get(provider) ?? 0,
      successRate: f.rate,
      recoveredAmount: f.byAmount.map((a) => a.recovered).filter((m) => m.minor !== 0),
    }
  })
}

function sum(values: Iterable<number>): number {
  let total = 0
  for (const v of values) total += v
  return total
}
