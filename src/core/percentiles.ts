/**
 * Nearest-rank percentiles (the definition NIST and most SLO reports use): the p-th percentile of n ordered
 * values is the value at 1-based rank ceil(p/100 * n), and the smallest value for p = 0. Always one of the
 * observed values, never an interpolation, so "p99 = 840 ms" means a sample of 840 ms exists.
 */

/** The 1-based rank of the p-th percentile among `count` ordered values; null when there are none. */
export function nearestRank(count: number, p: number): number | null {
  if (!Number.isInteger(count) || count < 0) throw new RangeError(`count must be a non-negative integer, got ${count}`)
  if (!(p >= 0 && p <= 100)) throw new RangeError(`percentile must be within 0..100, got ${p}`)
  if (count === 0) return null
  // p/100*n in floating point can land a hair above an integer (e.g. 0.95*20 = 19.000000000000004): work in
  // integers of a millionth of a percent so the ceiling is exact for any p written with up to 6 decimals.
  const scaled = Math.round(p * 1_000_000)
  const rank = Math.ceil((scaled * count) / 100_000_000)
  return Math.min(count, Math.max(1, rank))
}

/** Percentiles of already sorted (ascending) values; null for each when the list is empty. */
export function percentilesOfSorted(sorted: readonly number[], ps: readonly number[]): Array<number | null> {
  return ps.map((p) => {
    const rank = nearestRank(sorted.length, p)
    return rank === null ? null : sorted[rank - 1]!
  })
}

/** Percentiles of values in any order (sorted numerically on a copy). */
export function percentiles(values: readonly number[], ps: readonly number[]): Array<number | null> {
  return percentilesOfSorted(
    [...values].sort((a, b) => a - b),
    ps,
  )
}
