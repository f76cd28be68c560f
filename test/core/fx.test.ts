import fc from 'fast-check'
import {describe, expect, it} from 'vitest'

import {isoExponent, supportedCurrencies} from '../../src/core/currency.js'
import {
  convertMoney,
  formatRational,
  type FxRate,
  parseRate,
  type RateLookup,
  type Rational,
  resolveRate,
  roundHalfEven,
} from '../../src/core/fx.js'
import {MoneyError} from '../../src/core/errors.js'

/** Reference round-half-even by floor division (remainder always >= 0), unlike the implementation's truncation. */
function refRound(n: bigint, d: bigint): bigint {
  const floor = n >= 0n ? n / d : -((-n + d - 1n) / d)
  const rem = n - floor * d // 0 <= rem < d
  if (2n * rem < d) return floor
  if (2n * rem > d) return floor + 1n
  return floor % 2n === 0n ? floor : floor + 1n
}

/** A lookup over an array, as a store would do it: the latest rate for the pair on or before the date. */
function lookupOver(rates: FxRate[]): RateLookup & {calls: string[]} {
  const calls: string[] = []
  const fn = (base: string, quote: string, onOrBefore: string) => {
    calls.push(`${base}/${quote}`)
    return rates
      .filter((r) => r.base === base && r.quote === quote && r.date <= onOrBefore)
      .sort((a, b) => (a.date < b.date ? 1 : -1))[0]
  }
  return Object.assign(fn, {calls})
}

const ecb = (date: string, quote: string, rate: string): FxRate => ({date, base: 'EUR', quote, rate})
const ECB: FxRate[] = [
  ecb('2024-06-26', 'USD', '1.0696'),
  ecb('2024-06-26', 'GBP', '0.84470'),
  ecb('2024-06-26', 'JPY', '171.12'),
  ecb('2024-06-27', 'USD', '1.0713'),
  ecb('2024-06-27', 'GBP', '0.84665'),
  ecb('2024-06-27', 'JPY', '171.13'),
  ecb('2024-06-28', 'USD', '1.0705'),
  ecb('2024-06-28', 'GBP', '0.84638'),
]
const same = (a: Rational, b: Rational) => a.num * b.den === b.num * a.den

describe('parseRate', () => {
  it.each([
    ['1.0705', 2141n, 2000n],
    ['395.10', 3951n, 10n],
    ['171.94', 8597n, 50n],
    ['2', 2n, 1n],
    ['0.0061', 61n, 10000n],
    ['007.50', 15n, 2n],
  ])('%s is exactly %i/%i', (s, num, den) => {
    expect(parseRate(s)).toEqual({num, den})
  })

  it.each(['0', '0.000', '-1.2', '+1.2', '1e3', '', ' 1.2', '1,2', '.5', '5.', 'NaN'])('rejects %j', (s) => {
    expect(() => parseRate(s)).toThrow(MoneyError)
  })
})

describe('roundHalfEven', () => {
  it.each([
    [1n, 2n, 0n],
    [3n, 2n, 2n],
    [5n, 2n, 2n],
    [7n, 2n, 4n],
    [-1n, 2n, 0n],
    [-3n, 2n, -2n],
    [-5n, 2n, -2n],
    [1n, 3n, 0n],
    [2n, 3n, 1n],
    [-2n, 3n, -1n],
    [5n, -2n, -2n],
  ])('%i/%i -> %i', (n, d, q) => {
    expect(roundHalfEven(n, d)).toBe(q)
  })

  it('agrees with the floor-based reference', () => {
    const big = fc.bigInt({min: -(10n ** 30n), max: 10n ** 30n})
    fc.assert(
      fc.property(big, fc.bigInt({min: 1n, max: 10n ** 20n}), (n, d) => {
        expect(roundHalfEven(n, d)).toBe(refRound(n, d))
      }),
      {numRuns: 2000},
    )
  })
})

describe('convertMoney', () => {
  it('is exact against the reference for any currencies and rate', () => {
    const CURRENCIES = supportedCurrencies()
    fc.assert(
      fc.property(
        fc.integer({min: -1e12, max: 1e12}),
        fc.constantFrom(...CURRENCIES),
        fc.constantFrom(...CURRENCIES),
        fc.bigInt({min: 1n, max: 10n ** 9n}),
        fc.integer({min: 0, max: 8}),
        (minor, from, to, digits, scale) => {
          const rateText = formatRational({num: digits, den: 10n ** BigInt(scale)}, scale)
          const rate = parseRate(rateText)
          const n = BigInt(minor) * digits * 10n ** BigInt(isoExponent(to))
          const d = 10n ** BigInt(scale + isoExponent(from))
          const expected = refRound(n, d)
          if (!Number.isSafeInteger(Number(expected))) {
            expect(() => convertMoney({minor, currency: from}, to, rate)).toThrow(MoneyError)
            return
          }
          const got = convertMoney({minor, currency: from}, to.toLowerCase(), rate)
          expect(got).toEqual({minor: Number(expected), currency: to})
          expect(2n * (BigInt(got.minor) * d - n) <= d && 2n * (n - BigInt(got.minor) * d) <= d).toBe(true)
        },
      ),
      {numRuns: 2000},
    )
  })

  it('accounts for both exponents', () => {
    expect(convertMoney({minor: 1000, currency: 'JPY'}, 'EUR', parseRate('0.0061'))).toEqual({
      minor: 610,
      currency: 'EUR',
    })
    expect(convertMoney({minor: 1000, currency: 'EUR'}, 'JPY', parseRate('171.94'))).toEqual({
      minor: 1719,
      currency: 'JPY',
    })
    expect(convertMoney({minor: 10000, currency: 'USD'}, 'KWD', parseRate('0.30685'))).toEqual({
      minor: 30685,
      currency: 'KWD',
    })
    expect(convertMoney({minor: 10000, currency: 'CLF'}, 'CLP', parseRate('37000'))).toEqual({
      minor: 37000,
      currency: 'CLP',
    })
  })

  it("rounds ties to even (banker's rounding), negatives too, and never yields -0", () => {
    const half = parseRate('0.5')
    const cases: [number, number][] = [
      [1, 0],
      [3, 2],
      [5, 2],
      [7, 4],
      [-1, 0],
      [-3, -2],
      [-5, -2],
    ]
    for (const [minor, want] of cases) {
      const got = convertMoney({minor, currency: 'USD'}, 'USD', half)
      expect(got.minor, `${minor} x 0.5`).toBe(want)
      expect(Object.is(got.minor, -0)).toBe(false)
    }
    // 1 JPY at 0.005 USD is half a cent -> 0; 3 JPY is 1.5 cents -> 2
    expect(convertMoney({minor: 1, currency: 'JPY'}, 'USD', parseRate('0.005')).minor).toBe(0)
    expect(convertMoney({minor: 3, currency: 'JPY'}, 'USD', parseRate('0.005')).minor).toBe(2)
  })

  it('rejects a non-positive rate and unsupported currencies', () => {
    expect(() => convertMoney({minor: 1, currency: 'USD'}, 'EUR', {num: 0n, den: 1n})).toThrow(MoneyError)
    expect(() => convertMoney({minor: 1, currency: 'USD'}, 'XAU', {num: 1n, den: 1n})).toThrow(/no minor unit/)
  })
})

describe('formatRational', () => {
  it.each([
    [{num: 1n, den: 3n}, 4, '0.3333'],
    [{num: 2n, den: 3n}, 4, '0.6667'],
    [{num: 5n, den: 2n}, 0, '2'],
    [{num: -5n, den: 2n}, 0, '-2'],
    [{num: 1n, den: 8n}, 2, '0.12'],
    [{num: 3n, den: 8n}, 2, '0.38'],
    [{num: -1n, den: 8n}, 2, '-0.12'],
    [{num: -1n, den: 1000n}, 2, '0.00'],
    [{num: 42319n, den: 53525n}, 6, '0.790640'],
  ])('%o to %i digits is %s', (r, digits, s) => {
    expect(formatRational(r, digits)).toBe(s)
  })
})

describe('resolveRate', () => {
  it('uses a direct rate', () => {
    const got = resolveRate('EUR', 'USD', '2024-06-28', lookupOver(ECB))
    expect(got).toEqual({rate: {num: 2141n, den: 2000n}, date: '2024-06-28', path: ['EUR', 'USD']})
  })

  it('inverts a rate published the other way round', () => {
    const got = resolveRate('usd', 'eur', '2024-06-28', lookupOver(ECB))
    expect(got).toEqual({rate: {num: 2000n, den: 2141n}, date: '2024-06-28', path: ['USD', 'EUR']})
  })

  it('triangulates USD -> GBP through EUR rates and converts exactly', () => {
    const lookup = lookupOver(ECB)
    const got = resolveRate('USD', 'GBP', '2024-06-28', lookup)
    expect(got?.path).toEqual(['USD', 'EUR', 'GBP'])
    expect(got?.date).toBe('2024-06-28')
    // 0.84638 / 1.0705
    expect(same(got!.rate, {num: 84638n * 10000n, den: 100000n * 10705n})).toBe(true)
    expect(convertMoney({minor: 10000, currency: 'USD'}, 'GBP', got!.rate)).toEqual({minor: 7906, currency: 'GBP'})
    expect(lookup.calls.every((c) => /^[A-Z]{3}\/[A-Z]{3}$/.test(c))).toBe(true)
  })

  it('takes the latest rate on or before the date', () => {
    const lookup = lookupOver(ECB)
    expect(resolveRate('EUR', 'USD', '2024-06-30', lookup)?.date).toBe('2024-06-28') // weekend
    expect(resolveRate('EUR', 'USD', '2024-06-27', lookup)?.rate).toEqual(parseRate('1.0713'))
    expect(resolveRate('EUR', 'USD', '2024-06-25', lookup)).toBeUndefined()
    // JPY stops on the 27th: each leg is its own latest (USD from the 28th, JPY from the 27th) and the
    // triangulated rate is reported as old as its oldest leg
    const jpy = resolveRate('USD', 'JPY', '2024-06-28', lookup)
    expect(jpy?.date).toBe('2024-06-27')
    expect(same(jpy!.rate, {num: 17113n * 10000n, den: 100n * 10705n})).toBe(true)
  })

  it('prefers the most recent route, and a direct rate over triangulation on the same date', () => {
    const stale: FxRate = {date: '2020-01-02', base: 'USD', quote: 'GBP', rate: '0.75'}
    expect(resolveRate('USD', 'GBP', '2024-06-28', lookupOver([...ECB, stale]))?.path).toEqual(['USD', 'EUR', 'GBP'])
    const fresh: FxRate = {date: '2024-06-28', base: 'GBP', quote: 'USD', rate: '1.25'}
    const got = resolveRate('USD', 'GBP', '2024-06-28', lookupOver([...ECB, stale, fresh]))
    expect(got).toEqual({rate: {num: 4n, den: 5n}, date: '2024-06-28', path: ['USD', 'GBP']})
  })

  it('same currency is 1; unknown pairs are undefined; bad input throws', () => {
    expect(resolveRate('JPY', 'jpy', '2024-06-28', lookupOver([]))).toEqual({
      rate: {num: 1n, den: 1n},
      date: '2024-06-28',
      path: ['JPY'],
    })
    expect(resolveRate('USD', 'CHF', '2024-06-28', lookupOver(ECB))).toBeUndefined()
    expect(() => resolveRate('USD', 'XYZ', '2024-06-28', lookupOver(ECB))).toThrow(MoneyError)
    expect(() => resolveRate('USD', 'GBP', '2024-02-30', lookupOver(ECB))).toThrow(/YYYY-MM-DD/)
  })
})
