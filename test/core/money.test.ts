import fc from 'fast-check'
import {describe, expect, it} from 'vitest'

import {isoExponent, supportedCurrencies} from '../../src/core/currency.js'
import {GATEWAY_KINDS, gatewayFacts} from '../../src/gateways/registry.js'

const wire = Object.fromEntries(GATEWAY_KINDS.map((k) => [k, gatewayFacts(k).wire])) as Record<
  (typeof GATEWAY_KINDS)[number],
  ReturnType<typeof gatewayFacts>['wire']
>
import {
  addMoney,
  formatDecimal,
  formatGatewayDecimal,
  formatMoney,
  fromGatewayMinor,
  type Money,
  negateMoney,
  parseDecimal,
  parseGatewayDecimal,
  sumByCurrency,
  toGatewayMinor,
  zeroMoney,
} from '../../src/core/money.js'
import {MoneyError} from '../../src/core/errors.js'

const CURRENCIES = supportedCurrencies()
const safeMinor = fc.integer({min: Number.MIN_SAFE_INTEGER, max: Number.MAX_SAFE_INTEGER})
const money = fc.record({minor: safeMinor, currency: fc.constantFrom(...CURRENCIES)})

// Independent canonical form: strip leading zeros, pad the fraction to the exponent, no "-0".
function canonical(s: string, exp: number): string {
  const negative = s.startsWith('-')
  const [whole = '', frac = ''] = s.replace(/^-/, '').split('.')
  const w = whole.replace(/^0+(?=\d)/, '')
  const f = frac.padEnd(exp, '0')
  const zero = /^0*$/.test(w + f)
  return (negative && !zero ? '-' : '') + w + (exp > 0 ? `.${f}` : '')
}

describe('parseDecimal / formatDecimal', () => {
  it('round-trips every minor amount of every ISO currency with a minor unit', () => {
    for (const currency of CURRENCIES) {
      fc.assert(
        fc.property(safeMinor, (minor) => {
          const m = {minor, currency}
          expect(parseDecimal(formatDecimal(m), currency)).toEqual(m)
        }),
        {numRuns: 40},
      )
    }
  })

  it('formats any accepted string canonically, for every currency', () => {
    for (const currency of CURRENCIES) {
      const exp = isoExponent(currency)
      const text = fc
        .tuple(
          fc.boolean(),
          fc.string({unit: fc.constantFrom(...'0123456789'), minLength: 1, maxLength: 15 - exp}), // 15 digits in all stay inside the exact integer range
          fc.option(fc.string({unit: fc.constantFrom(...'0123456789'), minLength: 1, maxLength: Math.max(exp, 1)}), {
            nil: undefined,
          }),
        )
        .map(([neg, whole, frac]) => `${neg ? '-' : ''}${whole}${frac !== undefined && exp > 0 ? `.${frac}` : ''}`)
      fc.assert(
        fc.property(text, (s) => {
          const formatted = formatDecimal(parseDecimal(s, currency))
          expect(formatted).toBe(canonical(s, exp))
          expect(formatDecimal(parseDecimal(formatted, currency))).toBe(formatted)
        }),
        {numRuns: 25},
      )
    }
  })

  it.each([
    [{minor: 1234, currency: 'USD'}, '12.34'],
    [{minor: -50, currency: 'USD'}, '-0.50'],
    [{minor: 0, currency: 'USD'}, '0.00'],
    [{minor: 1000, currency: 'JPY'}, '1000'],
    [{minor: 5, currency: 'KWD'}, '0.005'],
    [{minor: 12345, currency: 'CLF'}, '1.2345'],
    [{minor: 5, currency: 'ISK'}, '5'],
  ])('formats %j as %s', (m, s) => {
    expect(formatDecimal(m)).toBe(s)
  })

  it('formatMoney appends the code', () => {
    expect(formatMoney({minor: 1234, currency: 'USD'})).toBe('12.34 USD')
  })

  it.each([
    ['12', 'USD', 1200],
    ['12.3', 'USD', 1230],
    ['-0.50', 'USD', -50],
    ['007.5', 'usd', 750],
    ['1000', 'JPY', 1000],
    ['1.234', 'KWD', 1234],
    ['0.0001', 'CLF', 1],
  ])('parses %s %s', (s, c, minor) => {
    expect(parseDecimal(s, c)).toEqual({minor, currency: c.toUpperCase()})
  })

  it('rejects excess precision naming the field, the value and the exponent', () => {
    expect(() => parseDecimal('12.345', 'USD', {field: 'amount'})).toThrow(
      new MoneyError('amount "12.345" has 3 decimals but USD allows 2'),
    )
    expect(() => parseDecimal('12.345', 'USD', {field: 'invoice.total'})).toThrow(/^invoice\.total "12\.345" has 3/)
    expect(() => parseDecimal('1000.00', 'JPY')).toThrow(/has 2 decimals but JPY allows 0/)
    expect(() => parseDecimal('1.23456', 'CLF')).toThrow(/CLF allows 4/)
  })

  it.each([
    '',
    ' 5',
    '5 ',
    '1,000',
    '1e3',
    '1E3',
    '.5',
    '5.',
    '+1.00',
    '--1',
    '0x10',
    '1_000',
    'NaN',
    'Infinity',
    '1.2.3',
  ])('rejects %j', (s) => {
    expect(() => parseDecimal(s, 'USD', {field: 'amount'})).toThrow(MoneyError)
    expect(() => parseDecimal(s, 'USD', {field: 'amount'})).toThrow(/^amount /)
  })

  it('rejects amounts beyond the exact integer range and unknown currencies', () => {
    expect(() => parseDecimal('90071992547409.92', 'USD')).toThrow(/exact integer range/)
    expect(parseDecimal('90071992547409.91', 'USD').minor).toBe(Number.MAX_SAFE_INTEGER)
    expect(() => parseDecimal('1', 'XAU')).toThrow(/no minor unit/)
    expect(() => parseDecimal('1', 'ABC', {field: 'fee'})).toThrow(/^fee: currency "ABC"/)
  })
})

describe('gateway integers', () => {
  it('round-trip for every kind and currency wherever the gateway can express the amount', () => {
    fc.assert(
      fc.property(money, fc.constantFrom(...GATEWAY_KINDS), (m, kind) => {
        let units: number
        try {
          units = toGatewayMinor(m, wire[kind])
        } catch (e) {
          expect(e).toBeInstanceOf(MoneyError)
          return
        }
        expect(fromGatewayMinor(units, m.currency.toLowerCase(), wire[kind])).toEqual(m)
      }),
      {numRuns: 3000},
    )
  })

  it('always express whole multiples of ten units, for every currency and kind', () => {
    for (const currency of CURRENCIES) {
      for (const kind of GATEWAY_KINDS) {
        fc.assert(
          fc.property(fc.integer({min: -1e6, max: 1e6}), (tens) => {
            const m = {minor: tens * 10 * 10 ** isoExponent(currency), currency}
            expect(fromGatewayMinor(toGatewayMinor(m, wire[kind]), currency, wire[kind])).toEqual(m)
            expect(parseGatewayDecimal(formatGatewayDecimal(m, wire[kind]), currency, wire[kind])).toEqual(m)
          }),
          {numRuns: 5},
        )
      }
    }
  })

  it('Stripe ISK and UGX: 5 -> 500 on the wire; 550 is refused; 500 reads back as 5', () => {
    expect(toGatewayMinor({minor: 5, currency: 'ISK'}, wire.stripe)).toBe(500)
    expect(fromGatewayMinor(500, 'isk', wire.stripe)).toEqual({minor: 5, currency: 'ISK'})
    expect(() => fromGatewayMinor(550, 'isk', wire.stripe, 'data.object.amount')).toThrow(MoneyError)
    expect(() => fromGatewayMinor(550, 'isk', wire.stripe, 'data.object.amount')).toThrow(
      /^data\.object\.amount 5\.50 ISK from stripe \(550 on its wire\) .*last two digits are 00/,
    )
    expect(toGatewayMinor({minor: 1000, currency: 'UGX'}, wire.stripe)).toBe(100000)
    expect(() => fromGatewayMinor(100001, 'ugx', wire.stripe)).toThrow(MoneyError)
  })

  it('Stripe zero-decimal: JPY as is; MGA (ISO 2) whole ariary only', () => {
    expect(toGatewayMinor({minor: 1000, currency: 'JPY'}, wire.stripe)).toBe(1000)
    expect(fromGatewayMinor(1000, 'jpy', wire.stripe)).toEqual({minor: 1000, currency: 'JPY'})
    expect(toGatewayMinor({minor: 12300, currency: 'MGA'}, wire.stripe)).toBe(123)
    expect(fromGatewayMinor(123, 'mga', wire.stripe)).toEqual({minor: 12300, currency: 'MGA'})
    expect(() => toGatewayMinor({minor: 12345, currency: 'MGA'}, wire.stripe)).toThrow(
      /123\.45 MGA cannot be sent to stripe/,
    )
  })

  it('Stripe three-decimal: last digit must be 0 when sending, anything is accepted when reading', () => {
    expect(toGatewayMinor({minor: 5120, currency: 'KWD'}, wire.stripe)).toBe(5120)
    expect(() => toGatewayMinor({minor: 5124, currency: 'KWD'}, wire.stripe)).toThrow(
      /5\.124 KWD .*last digit .* must be 0/,
    )
    expect(fromGatewayMinor(5124, 'kwd', wire.stripe)).toEqual({minor: 5124, currency: 'KWD'})
    expect(() => toGatewayMinor({minor: 1001, currency: 'BHD'}, wire.stripe)).toThrow(MoneyError)
    expect(toGatewayMinor({minor: 1001, currency: 'BHD'}, wire.adyen)).toBe(1001)
  })

  it('Stripe HUF/TWD charges are two-decimal', () => {
    expect(toGatewayMinor({minor: 10050, currency: 'HUF'}, wire.stripe)).toBe(10050)
    expect(fromGatewayMinor(10050, 'twd', wire.stripe)).toEqual({minor: 10050, currency: 'TWD'})
  })

  it('Adyen CLP and ISK are 2-decimal; IDR and CVE 0-decimal', () => {
    expect(toGatewayMinor({minor: 100, currency: 'CLP'}, wire.adyen)).toBe(10000)
    expect(fromGatewayMinor(10000, 'CLP', wire.adyen)).toEqual({minor: 100, currency: 'CLP'})
    expect(() => fromGatewayMinor(10050, 'CLP', wire.adyen, 'amount.value')).toThrow(
      /^amount\.value 100\.50 CLP from adyen \(10050 on its wire\) is not a whole number of CLP minor units/,
    )
    expect(toGatewayMinor({minor: 5, currency: 'ISK'}, wire.adyen)).toBe(500)
    expect(toGatewayMinor({minor: 1500000, currency: 'IDR'}, wire.adyen)).toBe(15000)
    expect(fromGatewayMinor(15000, 'IDR', wire.adyen)).toEqual({minor: 1500000, currency: 'IDR'})
    expect(() => toGatewayMinor({minor: 1500050, currency: 'IDR'}, wire.adyen)).toThrow(
      /15000\.50 IDR cannot be sent to adyen/,
    )
    expect(fromGatewayMinor(250, 'CVE', wire.adyen)).toEqual({minor: 25000, currency: 'CVE'})
  })

  it('Square and Braintree use ISO integers', () => {
    expect(toGatewayMinor({minor: 1000, currency: 'JPY'}, wire.square)).toBe(1000)
    expect(toGatewayMinor({minor: 5, currency: 'ISK'}, wire.square)).toBe(5)
    expect(fromGatewayMinor(100, 'CLP', wire.braintree)).toEqual({minor: 100, currency: 'CLP'})
  })

  it('rejects non-integers, unsafe integers and unsupported currencies', () => {
    expect(() => fromGatewayMinor(12.5, 'USD', wire.stripe, 'amount')).toThrow(
      /^amount 12\.5 from stripe is not a safe integer \(stripe sends USD in integer minor units\)$/,
    )
    expect(() => fromGatewayMinor(2 ** 53, 'USD', wire.square)).toThrow(MoneyError)
    expect(() => fromGatewayMinor(Number.MAX_SAFE_INTEGER, 'CLP', wire.braintree)).not.toThrow()
    expect(() => fromGatewayMinor(Number.MAX_SAFE_INTEGER, 'ISK', wire.square)).not.toThrow()
    expect(() => toGatewayMinor({minor: Number.MAX_SAFE_INTEGER, currency: 'ISK'}, wire.stripe)).toThrow(
      /exact integer range/,
    )
    expect(() => fromGatewayMinor(100, 'XAU', wire.stripe, 'amount')).toThrow(/^amount: currency XAU/)
    expect(() => toGatewayMinor({minor: 1, currency: 'usd'}, wire.stripe)).toThrow(/upper-case/)
  })
})

describe('gateway decimal strings', () => {
  it('PayPal HUF/TWD/JPY are whole units: "100" HUF is 10000 ISO minor', () => {
    expect(parseGatewayDecimal('100', 'HUF', wire.paypal)).toEqual({minor: 10000, currency: 'HUF'})
    expect(parseGatewayDecimal('100', 'twd', wire.paypal)).toEqual({minor: 10000, currency: 'TWD'})
    expect(parseGatewayDecimal('100.00', 'HUF', wire.paypal)).toEqual({minor: 10000, currency: 'HUF'})
    expect(() => parseGatewayDecimal('100.50', 'HUF', wire.paypal, 'amount.value')).toThrow(
      /^amount\.value "100\.50" HUF/,
    )
    expect(formatGatewayDecimal({minor: 10000, currency: 'HUF'}, wire.paypal)).toBe('100')
    expect(() => formatGatewayDecimal({minor: 10050, currency: 'HUF'}, wire.paypal)).toThrow(MoneyError)
    expect(parseGatewayDecimal('1000', 'JPY', wire.paypal)).toEqual({minor: 1000, currency: 'JPY'})
    expect(formatGatewayDecimal({minor: 1000, currency: 'JPY'}, wire.paypal)).toBe('1000')
  })

  it('PayPal/Braintree ordinary and three-decimal currencies', () => {
    expect(parseGatewayDecimal('12.34', 'USD', wire.paypal)).toEqual({minor: 1234, currency: 'USD'})
    expect(formatGatewayDecimal({minor: 1234, currency: 'USD'}, wire.braintree)).toBe('12.34')
    expect(parseGatewayDecimal('1.234', 'KWD', wire.braintree)).toEqual({minor: 1234, currency: 'KWD'})
    expect(formatGatewayDecimal({minor: 5, currency: 'KWD'}, wire.paypal)).toBe('0.005')
    expect(() => parseGatewayDecimal('12.345', 'USD', wire.braintree, 'amount')).toThrow(/^amount "12\.345" .*USD/)
    expect(() => parseGatewayDecimal('1e2', 'USD', wire.paypal)).toThrow(MoneyError)
  })

  it('Adyen report decimals: "100.00" CLP is 100 CLP; IDR whole rupiah', () => {
    expect(parseGatewayDecimal('100.00', 'CLP', wire.adyen)).toEqual({minor: 100, currency: 'CLP'})
    expect(() => parseGatewayDecimal('100.50', 'CLP', wire.adyen)).toThrow(/CLP allows 0/)
    expect(parseGatewayDecimal('15000', 'IDR', wire.adyen)).toEqual({minor: 1500000, currency: 'IDR'})
    expect(formatGatewayDecimal({minor: 100, currency: 'CLP'}, wire.adyen)).toBe('100.00')
  })
})

describe('integer arithmetic', () => {
  it('sumByCurrency matches a BigInt reference, one total per currency', () => {
    const list = fc.array(
      fc.record({minor: fc.integer({min: -1e12, max: 1e12}), currency: fc.constantFrom('USD', 'EUR', 'JPY', 'KWD')}),
    )
    fc.assert(
      fc.property(list, (ms) => {
        const ref = new Map<string, bigint>()
        for (const m of ms) ref.set(m.currency, (ref.get(m.currency) ?? 0n) + BigInt(m.minor))
        const got = sumByCurrency(ms)
        expect(got.map((m) => m.currency)).toEqual([...ref.keys()].sort())
        for (const m of got) expect(BigInt(m.minor)).toBe(ref.get(m.currency))
      }),
    )
  })

  it('addMoney refuses mixed currencies and overflow', () => {
    expect(addMoney({minor: 150, currency: 'USD'}, {minor: -200, currency: 'USD'})).toEqual({
      minor: -50,
      currency: 'USD',
    })
    expect(() => addMoney({minor: 1, currency: 'USD'}, {minor: 1, currency: 'EUR'})).toThrow(/different currencies/)
    expect(() => addMoney({minor: Number.MAX_SAFE_INTEGER, currency: 'USD'}, {minor: 1, currency: 'USD'})).toThrow(
      /exact integer range/,
    )
    expect(() =>
      sumByCurrency([
        {minor: Number.MAX_SAFE_INTEGER, currency: 'JPY'},
        {minor: 1, currency: 'JPY'},
      ]),
    ).toThrow(MoneyError)
    expect(() => addMoney({minor: 0.5, currency: 'USD'}, {minor: 1, currency: 'USD'})).toThrow(/safe integer/)
  })

  it('negateMoney is an involution and never yields -0; zeroMoney validates', () => {
    fc.assert(
      fc.property(money, (m: Money) => {
        expect(negateMoney(negateMoney(m))).toEqual(m)
      }),
    )
    expect(Object.is(negateMoney({minor: 0, currency: 'USD'}).minor, 0)).toBe(true)
    expect(negateMoney({minor: 5, currency: 'USD'})).toEqual({minor: -5, currency: 'USD'})
    expect(zeroMoney('jpy')).toEqual({minor: 0, currency: 'JPY'})
    expect(() => zeroMoney('XAU')).toThrow(MoneyError)
    expect(sumByCurrency([])).toEqual([])
  })
})
