import {afterEach, describe, expect, it} from 'vitest'

import {listRates, rateOnOrBefore, upsertRates} from '../../../src/store/repos/fx.js'
import {tempDb, type TempDb} from '../helpers.js'

let t: TempDb
afterEach(() => t.cleanup())

describe('fx repository', () => {
  it('upserts a batch with counts and finds the latest rate on or before a date', () => {
    t = tempDb()
    const rates = [
      {date: '2024-05-02', base: 'EUR', quote: 'USD', rate: '1.0712', source: 'ecb'},
      {date: '2024-05-03', base: 'EUR', quote: 'USD', rate: '1.0745', source: 'ecb'},
      {date: '2024-05-06', base: 'EUR', quote: 'USD', rate: '1.0772', source: 'ecb'},
      {date: '2024-05-03', base: 'EUR', quote: 'JPY', rate: '164.67', source: 'ecb'},
    ]
    expect(upsertRates(t.db, rates)).toMatchObject({inserted: 4, updated: 0, unchanged: 0})
    const again = upsertRates(t.db, [...rates.slice(0, 3), {...rates[3]!, rate: '164.70', source: 'manual'}])
    expect(again.outcomes).toEqual(['unchanged', 'unchanged', 'unchanged', 'updated'])

    // weekend: Saturday uses Friday's rate
    expect(rateOnOrBefore(t.db, 'EUR', 'USD', '2024-05-04')?.rate).toBe('1.0745')
    expect(rateOnOrBefore(t.db, 'EUR', 'USD', '2024-05-06')?.rate).toBe('1.0772')
    // a timestamp is taken as its date
    expect(rateOnOrBefore(t.db, 'EUR', 'USD', '2024-05-03T23:59:59Z')?.date).toBe('2024-05-03')
    expect(rateOnOrBefore(t.db, 'EUR', 'USD', '2024-05-01')).toBeNull()
    expect(rateOnOrBefore(t.db, 'USD', 'EUR', '2024-05-06')).toBeNull() // no silent inversion
    expect(rateOnOrBefore(t.db, 'EUR', 'JPY', '2024-12-31')).toMatchObject({rate: '164.70', source: 'manual'})

    expect(listRates(t.db, {quote: 'USD', from: '2024-05-03'}).map((r) => r.date)).toEqual(['2024-05-06', '2024-05-03'])
  })

  it('keeps rates as exact decimal strings and refuses malformed ones', () => {
    t = tempDb()
    const result = upsertRates(t.db, [
      {date: '2024-05-02', base: 'EUR', quote: 'KWD', rate: '0.329870000001', source: 'csv'},
      {date: '2024-05-02', base: 'EUR', quote: 'USD', rate: '1,07', source: 'csv'},
      {date: '2024-05-02', base: 'EUR', quote: 'GBP', rate: '0', source: 'csv'},
      {date: '2024-05-02', base: 'EUR', quote: 'CHF', rate: '-1', source: 'csv'},
      {date: '2024-5-2', base: 'EUR', quote: 'SEK', rate: '11.5', source: 'csv'},
      {date: '2024-05-02', base: 'EUR', quote: 'EUR', rate: '1', source: 'csv'},
    ])
    expect(result.rejected.map((r) => r.index)).toEqual([1, 2, 3, 4, 5])
    expect(rateOnOrBefore(t.db, 'EUR', 'KWD', '2024-05-02')?.rate).toBe('0.329870000001')
  })
})
