import type {Money} from '../transaction.js'
import type {RetryStatus} from './policy.js'

/**
 * The automated retries' recovery rate, defined once. `retry report`, `metrics` and the Prometheus exposition all
 * print this definition beside the figure.
 */
export const RECOVERY_RATE_DEFINITION =
  'recovered ÷ retry-eligible failures whose retries finished in the window (recovered, exhausted or stopped; ' +
  'chains canceled by an admin or paid by other means are left out), by count and by amount per currency'

/** A chain that finished in the window. */
export interface FinishedChain {
  status: RetryStatus
  /** The provider of the failed payment (the primary). */
  provider: string
  /** The failed payment's decline code. */
  reason: string
  amount: Money
  recoveredVia: 'primary' | 'fallback' | null
  recoveredSlot: number | null
}

/** Chains that count towards the rate: those the engine itself ended. */
const ELIGIBLE: ReadonlySet<RetryStatus> = new Set(['recovered', 'exhausted', 'stopped'])

export interface AmountRate {
  currency: string
  eligible: Money
  recovered: Money
  /** recovered ÷ eligible amount, or null when nothing of the currency was eligible. */
  rate: number | null
}

interface RateFigures {
  eligible: number
  recovered: number
  /** recovered ÷ eligible, or null when nothing finished in the window. */
  rate: number | null
  byAmount: AmountRate[]
}

/** Rates keep four decimals (0.8333): a report's figure, never used in money arithmetic. */
export function ratio(part: number, whole: number): number | null {
  return whole === 0 ? null : Math.round((part / whole) * 10_000) / 10_000
}

function amountRates(eligible: readonly FinishedChain[], recovered: readonly FinishedChain[]): AmountRate[] {
  const sums = new Map<string, {eligible: number; recovered: number}>()
  for (const c of eligible) {
    const s = sums.get(c.amount.currency) ?? {eligible: 0, recovered: 0}
    s.eligible += c.amount.minor
    sums.set(c.amount.currency, s)
  }
  for (const c of recovered) sums.get(c.amount.currency)!.recovered += c.amount.minor
  return [...sums.entries()]
    .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
    .map(([currency, s]) => ({
      currency,
      eligible: {minor: s.eligible, currency},
      recovered: {minor: s.recovered, currency},
      rate: ratio(s.recovered, s.eligible),
    }))
}

/**
 * The rate over some finished chains; `recoveredBy` narrows what counts as recovered (the same-processor or the
 * fallback share), while the eligible base stays the same, so the shares add up to the whole.
 */
export function recoveryFigures(
  chains: readonly FinishedChain[],
  recoveredBy: (c: FinishedChain) => boolean = () => true,
): RateFigures {
  const eligible = chains.filter((c) => ELIGIBLE.has(c.status))
  const recovered = eligible.filter((c) => c.status === 'recovered' && recoveredBy(c))
  return {
    eligible: eligible.length,
    recovered: recovered.length,
    rate: ratio(recovered.length, eligible.length),
    byAmount: amountRates(eligible, recovered),
  }
}

/** The figures per value of `key` (provider, decline reason), sorted by that value. */
export function recoveryBy(
  chains: readonly FinishedChain[],
  key: (c: FinishedChain) => string,
): Array<{key: string} & RateFigures> {
  const groups = new Map<string, FinishedChain[]>()
  for (const c of chains) {
    const k = key(c)
    const list = groups.get(k)
    if (list) list.push(c)
    else groups.set(k, [c])
  }
  return [...groups.entries()]
    .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
    .map(([k, list]) => ({key: k, ...recoveryFigures(list)}))
    .filter((g) => g.eligible > 0)
}

/** Per retry number: attempts sent in that slot, chains recovered by it, and that slot's own success rate. */
export function recoveryByAttempt(
  attemptsBySlot: ReadonlyMap<number, number>,
  chains: readonly FinishedChain[],
): Array<{attempt: number; attempts: number; recovered: number; successRate: number | null}> {
  const recoveredBySlot = new Map<number, number>()
  for (const c of chains)
    if (c.status === 'recovered' && c.recoveredSlot !== null)
      recoveredBySlot.set(c.recoveredSlot, (recoveredBySlot.get(c.recoveredSlot) ?? 0) + 1)
  const slots = [...new Set([...attemptsBySlot.keys(), ...recoveredBySlot.keys()])].sort((a, b) => a - b)
  return slots.map((attempt) => {
    const attempts = attemptsBySlot.get(attempt) ?? 0
    const recovered = recoveredBySlot.get(attempt) ?? 0
    return {attempt, attempts, recovered, successRate: ratio(recovered, attempts)}
  })
}
