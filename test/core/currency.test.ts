import {readFileSync} from 'node:fs'
import {createRequire} from 'node:module'
import {dirname, join} from 'node:path'

import {describe, expect, it} from 'vitest'

import {
  assertCurrency,
  gatewayExponent,
  isoExponent,
  isSupportedCurrency,
  NO_MINOR_UNIT,
  supportedCurrencies,
} from '../../src/core/currency.js'
import {GATEWAY_KINDS, gatewayFacts} from '../../src/gateways/registry.js'

const wire = Object.fromEntries(GATEWAY_KINDS.map((k) => [k, gatewayFacts(k).wire])) as Record<
  (typeof GATEWAY_KINDS)[number],
  ReturnType<typeof gatewayFacts>['wire']
>
import {MoneyError} from '../../src/core/errors.js'

// The ISO 4217 list-one XML shipped inside currency-codes: an independent reading of the same source the
// package's data.js was generated from (which turns "N.A." into 0).
function isoXml(): Map<string, string> {
  const require = createRequire(import.meta.url)
  const xml = readFileSync(
    join(dirname(require.resolve('currency-codes/package.json')), 'iso-4217-list-one.xml'),
    'utf8',
  )
  const units = new Map<string, string>()
  for (const [, entry = ''] of xml.matchAll(/<CcyNtry>([\s\S]*?)<\/CcyNtry>/g)) {
    const code = /<Ccy>([A-Z]{3})<\/Ccy>/.exec(entry)?.[1]
    const minor = /<CcyMnrUnts>([^<]*)<\/CcyMnrUnts>/.exec(entry)?.[1]
    if (code && minor) units.set(code, minor)
  }
  return units
}

describe('ISO exponents', () => {
  const iso = isoXml()

  it('refuses exactly the codes ISO lists with minor unit N.A.', () => {
    const na = [...iso]
      .filter(([, u]) => u === 'N.A.')
      .map(([c]) => c)
      .sort()
    expect(na.length).toBeGreaterThan(5)
    expect([...NO_MINOR_UNIT].sort()).toEqual(na)
    for (const code of na) expect(() => isoExponent(code)).toThrow(/no minor unit/)
  })

  it('agrees with the ISO XML for every currency with a minor unit', () => {
    const withUnit = [...iso].filter(([, u]) => u !== 'N.A.')
    expect(supportedCurrencies()).toEqual(withUnit.map(([c]) => c).sort())
    for (const [code, units] of withUnit) expect(isoExponent(code), code).toBe(Number(units))
  })

  it.each([
    ['CLF', 4],
    ['UYW', 4],
    ['KWD', 3],
    ['BHD', 3],
    ['JPY', 0],
    ['ISK', 0],
    ['CLP', 0],
    ['USD', 2],
    ['HUF', 2],
    ['TWD', 2],
    ['MGA', 2],
    ['IDR', 2],
    ['jpy', 0],
  ])('%s has exponent %i', (code, exp) => {
    expect(isoExponent(code)).toBe(exp)
  })
})

describe('assertCurrency', () => {
  it('upper-cases a valid code', () => {
    expect(assertCurrency('usd')).toBe('USD')
    expect(isSupportedCurrency('eur')).toBe(true)
  })

  it.each(['XYZ', 'US', 'USDX', '', ' USD', 'U$D', 'HRK'])('rejects %j naming the field', (code) => {
    expect(() => assertCurrency(code, 'data.currency')).toThrow(MoneyError)
    expect(() => assertCurrency(code, 'data.currency')).toThrow(/^data\.currency: currency .* is not an ISO 4217 code/)
  })

  it('rejects no-minor-unit codes as unsupported', () => {
    expect(() => assertCurrency('xau', 'amount.currency')).toThrow(/amount\.currency: currency XAU has no minor unit/)
    expect(isSupportedCurrency('XAU')).toBe(false)
  })
})

describe('gateway exponents (docs/gateways.md#currencies-and-exponents)', () => {
  const stripeZero = 'BIF CLP DJF GNF JPY KMF KRW MGA PYG RWF VND VUV XAF XOF XPF'.split(' ')

  it('Stripe: zero-decimal list (MGA too), ISK/UGX two-decimal, three-decimals stay 3, HUF/TWD 2', () => {
    for (const c of stripeZero) expect(gatewayExponent(c, wire.stripe), c).toBe(0)
    expect(gatewayExponent('ISK', wire.stripe)).toBe(2)
    expect(gatewayExponent('UGX', wire.stripe)).toBe(2)
    for (const c of ['BHD', 'JOD', 'KWD', 'OMR', 'TND']) expect(gatewayExponent(c, wire.stripe), c).toBe(3)
    expect(gatewayExponent('HUF', wire.stripe)).toBe(2)
    expect(gatewayExponent('TWD', wire.stripe)).toBe(2)
    expect(gatewayExponent('usd', wire.stripe)).toBe(2)
  })

  it('Adyen: CLP 2, ISK 2, CVE 0, IDR 0, otherwise ISO', () => {
    expect(gatewayExponent('CLP', wire.adyen)).toBe(2)
    expect(gatewayExponent('ISK', wire.adyen)).toBe(2)
    expect(gatewayExponent('CVE', wire.adyen)).toBe(0)
    expect(gatewayExponent('IDR', wire.adyen)).toBe(0)
    expect(gatewayExponent('KWD', wire.adyen)).toBe(3)
    expect(gatewayExponent('JPY', wire.adyen)).toBe(0)
  })

  it('PayPal: JPY, HUF, TWD whole units; three-decimals in thousandths', () => {
    for (const c of ['JPY', 'HUF', 'TWD']) expect(gatewayExponent(c, wire.paypal), c).toBe(0)
    expect(gatewayExponent('KWD', wire.paypal)).toBe(3)
    expect(gatewayExponent('USD', wire.paypal)).toBe(2)
  })

  it('Square and Braintree follow ISO for every currency; every kind covers every supported currency', () => {
    for (const c of supportedCurrencies()) {
      expect(gatewayExponent(c, wire.square), c).toBe(isoExponent(c))
      expect(gatewayExponent(c, wire.braintree), c).toBe(isoExponent(c))
      for (const kind of GATEWAY_KINDS) expect(Number.isInteger(gatewayExponent(c, wire[kind]))).toBe(true)
    }
    expect(() => gatewayExponent('XAU', wire.stripe)).toThrow(MoneyError)
  })
})
