import {describe, expect, it} from 'vitest'

import {createRng, hashSeed} from '../../src/sandbox/prng.js'

const draw = (seed: number, n = 50): number[] => {
  const rng = createRng(seed)
  return Array.from({length: n}, () => rng.next())
}

describe('createRng', () => {
  it('repeats a sequence for one seed and differs between neighbouring seeds', () => {
    expect(draw(1)).toEqual(draw(1))
    expect(draw(1)).not.toEqual(draw(2))
    expect(draw(0)).not.toEqual(draw(1))
  })

  it('stays in range and covers it roughly uniformly', () => {
    const rng = createRng(123)
    const buckets = new Array<number>(10).fill(0)
    for (let i = 0; i < 20_000; i++) {
      const x = rng.next()
      expect(x >= 0 && x < 1).toBe(true)
      buckets[Math.floor(x * 10)]!++
    }
    for (const count of buckets) expect(Math.abs(count - 2_000)).toBeLessThan(200)
    const seen = new Set<number>()
    for (let i = 0; i < 2_000; i++) {
      const v = rng.int(-3, 3)
      expect(Number.isInteger(v) && v >= -3 && v <= 3).toBe(true)
      seen.add(v)
    }
    expect(seen.size).toBe(7)
  })

  it('picks, weighs, shuffles and draws strings deterministically', () => {
    const a = createRng(5)
    const b = createRng(5)
    expect(a.shuffle([1, 2, 3, 4, 5, 6, 7, 8])).toEqual(b.shuffle([1, 2, 3, 4, 5, 6, 7, 8]))
    expect([...a.shuffle([1, 2, 3, 4, 5, 6, 7, 8])].sort()).toEqual([1, 2, 3, 4, 5, 6, 7, 8])
    expect(a.string(12, 'AB')).toMatch(/^[AB]{12}$/)
    const rng = createRng(9)
    let heavy = 0
    for (let i = 0; i < 5_000; i++)
      if (
        rng.weighted([
          ['light', 1],
          ['heavy', 9],
        ] as const) === 'heavy'
      )
        heavy++
    expect(heavy / 5_000).toBeGreaterThan(0.87)
    expect(heavy / 5_000).toBeLessThan(0.93)
    expect(() => rng.pick([])).toThrow(RangeError)
    expect(() => rng.int(3, 2)).toThrow(RangeError)
  })

  it('forks independent, reproducible streams by label', () => {
    const root = createRng(77)
    const x = root.fork('customers').next()
    root.next() // drawing from the parent does not move a fork
    expect(root.fork('customers').next()).toBe(x)
    expect(root.fork('payments').next()).not.toBe(x)
    expect(hashSeed(1, 'a')).not.toBe(hashSeed(1, 'b'))
    expect(hashSeed('1a')).not.toBe(hashSeed(1, 'a'))
  })
})
