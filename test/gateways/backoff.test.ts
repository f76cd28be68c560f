import fc from 'fast-check'
import {describe, expect, it} from 'vitest'

import {fullJitterDelayMs, parseRetryAfterMs} from '../../src/gateways/backoff.js'

describe('fullJitterDelayMs', () => {
  it('is random * min(cap, base * 2^retry) for the stripe-node defaults', () => {
    const opts = {baseMs: 500, capMs: 5000}
    // Ceilings by hand: 500, 1000, 2000, 4000, then capped at 5000.
    const ceilings = [500, 1000, 2000, 4000, 5000, 5000]
    ceilings.forEach((ceiling, retry) => {
      expect(fullJitterDelayMs(retry, opts, () => 0.25)).toBe(ceiling / 4)
      expect(fullJitterDelayMs(retry, opts, () => 0)).toBe(0)
    })
  })

  it('stays within [0, ceiling) for any random in [0, 1)', () => {
    fc.assert(
      fc.property(
        fc.integer({min: 0, max: 40}),
        fc.double({min: 0, max: 1, maxExcluded: true, noNaN: true}),
        (retry, r) => {
          const d = fullJitterDelayMs(retry, {baseMs: 100, capMs: 3000}, () => r)
          expect(d).toBeGreaterThanOrEqual(0)
          expect(d).toBeLessThan(Math.min(3000, 100 * 2 ** retry) + 1e-9)
        },
      ),
    )
  })
})

describe('parseRetryAfterMs', () => {
  const now = Date.UTC(2024, 5, 1, 12, 0, 0)

  it('reads delay-seconds', () => {
    expect(parseRetryAfterMs('3', now)).toBe(3000)
    expect(parseRetryAfterMs(' 0 ', now)).toBe(0)
  })

  it('reads an HTTP-date relative to the injected now', () => {
    expect(parseRetryAfterMs('Sat, 01 Jun 2024 12:00:07 GMT', now)).toBe(7000)
    expect(parseRetryAfterMs('Sat, 01 Jun 2024 11:59:00 GMT', now)).toBe(0)
  })

  it('ignores absent or malformed values', () => {
    for (const v of [undefined, '', 'soon', '-1', '1.5', 'Sat, 99 Foo', '1e3'])
      expect(parseRetryAfterMs(v, now)).toBeNull()
  })
})
