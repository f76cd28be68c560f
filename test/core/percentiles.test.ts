import fc from 'fast-check'
import {describe, expect, it} from 'vitest'

import {nearestRank, percentiles, percentilesOfSorted} from '../../src/core/percentiles.js'

/**
 * The definition, brute force and independent of the implementation's arithmetic: the p-th percentile is the
 * smallest observed value v such that at least p % of the values are <= v. p is given as an integer number of
 * thousandths of a percent so the check is pure integer arithmetic.
 */
function bruteForce(values: readonly number[], pMilli: number): number | null {
  if (values.length === 0) return null
  const sorted = [...values].sort((a, b) => a - b)
  for (const v of sorted) {
    const atOrBelow = sorted.filter((x) => x <= v).length
    if (atOrBelow * 100_000 >= pMilli * sorted.length) return v
  }
  return sorted[sorted.length - 1]!
}

describe('nearest-rank percentiles', () => {
  it('matches the textbook example (15, 20, 35, 40, 50)', () => {
    expect(percentiles([50, 15, 40, 20, 35], [5, 30, 40, 50, 100])).toEqual([15, 20, 20, 35, 50])
  })

  it('is exact where floating point rounds up: p95 of 20 values is the 19th, p99 of 100 the 99th', () => {
    const twenty = Array.from({length: 20}, (_, i) => i + 1)
    expect(percentiles(twenty, [95])).toEqual([19]) // 0.95 * 20 = 19.000000000000004 in doubles
    const hundred = Array.from({length: 100}, (_, i) => (i + 1) * 10)
    expect(percentiles(hundred, [50, 95, 99])).toEqual([500, 950, 990])
    expect(nearestRank(1000, 99.9)).toBe(999)
  })

  it('p0 is the minimum, p100 the maximum, nothing for no values, and sorts numerically', () => {
    expect(percentiles([9, 100, 10], [0, 100])).toEqual([9, 100])
    expect(percentiles([], [50, 99])).toEqual([null, null])
    expect(percentilesOfSorted([7], [0, 50, 99, 100])).toEqual([7, 7, 7, 7])
  })

  it('rejects percentiles outside 0..100 and bad counts', () => {
    expect(() => nearestRank(10, 101)).toThrow(RangeError)
    expect(() => nearestRank(10, -1)).toThrow(RangeError)
    expect(() => nearestRank(10, Number.NaN)).toThrow(RangeError)
    expect(() => nearestRank(-1, 50)).toThrow(RangeError)
  })

  it('agrees with the brute-force definition for any values and any percentile (to 1/1000 %)', () => {
    fc.assert(
      fc.property(
        fc.array(fc.integer({min: 0, max: 5_000}), {maxLength: 300}),
        fc.integer({min: 0, max: 100_000}),
        (values, pMilli) => {
          expect(percentiles(values, [pMilli / 1000])[0]).toBe(bruteForce(values, pMilli))
        },
      ),
      {numRuns: 500},
    )
  })
})
