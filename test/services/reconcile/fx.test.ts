import {afterEach, describe, expect, it} from 'vitest'

import {convertAt} from '../../../src/services/fx.js'
import {fxConverter, preloadedConverter} from '../../../src/services/reconcile/fx.js'
import {ledgerWorld, type LedgerWorld} from './ledger-world.js'

const worlds: LedgerWorld[] = []
afterEach(() => {
  while (worlds.length > 0) worlds.pop()!.close()
})

describe('the reconciliation converts as the fx service does', () => {
  it("gives convertAt's figure, rate, rate date and path for direct, inverse and crossed rates; null without a rate", () => {
    const w = ledgerWorld()
    worlds.push(w)
    w.rate('EUR', 'USD', '2026-05-01', '1.0870')
    w.rate('EUR', 'JPY', '2026-05-02', '171.94')
    w.rate('EUR', 'KWD', '2026-04-30', '0.3331')
    // The rates read up front (PostgreSQL's way) answer as the look-ups on the Db do.
    const preloaded = preloadedConverter(w.db, ['USD', 'JPY', 'KWD', 'GBP'])
    for (const convert of [fxConverter(w.db), preloaded])
      for (const [minor, from, to, date] of [
        [10_870, 'USD', 'EUR', '2026-05-10'],
        [10_000, 'EUR', 'USD', '2026-05-10'],
        [12_345, 'JPY', 'USD', '2026-05-10'],
        [-999, 'USD', 'KWD', '2026-05-03'],
        [1, 'KWD', 'JPY', '2026-05-03'],
      ] as const) {
        const money = {minor, currency: from}
        const expected = convertAt(w.db, money, to, date)
        // twice: the second answer comes from the cached rate
        for (let i = 0; i < 2; i++)
          expect(convert(money, to, date)).toEqual({
            amount: expected.to,
            rate: expected.rate,
            rateDate: expected.rateDate,
            path: expected.path,
          })
      }
    for (const convert of [fxConverter(w.db), preloaded]) {
      expect(convert({minor: 100, currency: 'GBP'}, 'EUR', '2026-05-10')).toBeNull()
      expect(convert({minor: 100, currency: 'USD'}, 'EUR', '2026-04-01')).toBeNull()
    }
    // A currency it did not read is a mistake of its caller, not a missing rate.
    expect(() => preloaded({minor: 100, currency: 'CHF'}, 'EUR', '2026-05-10')).toThrow(/CHF/)
  })
})
