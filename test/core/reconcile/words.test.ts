import fc from 'fast-check'
import {describe, expect, it} from 'vitest'

import {formatMoney} from '../../../src/core/money.js'
import {money} from '../../../src/core/reconcile/words.js'

describe('notes print money as formatMoney does', () => {
  it('for any safe amount in currencies with 0, 2, 3 and 4 decimals', () => {
    fc.assert(
      fc.property(
        fc.constantFrom('JPY', 'EUR', 'KWD', 'CLF', 'USD'),
        fc.maxSafeInteger().chain((n) => fc.constantFrom(n, -n, n % 1000, -(n % 7))),
        (currency, minor) => {
          expect(money({minor, currency})).toBe(formatMoney({minor, currency}))
        },
      ),
      {numRuns: 2000},
    )
    expect(money({minor: 0, currency: 'EUR'})).toBe('0.00 EUR')
    expect(money({minor: -10, currency: 'KWD'})).toBe('-0.010 KWD')
  })
})
