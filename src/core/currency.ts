import {data as isoData} from 'currency-codes'

import {MoneyError} from './errors.js'
import type {CurrencyWire, WireRule} from './wire-rule.js'

/**
 * ISO 4217 codes whose minor unit is "N.A." (precious metals, SDR, fund and testing codes). The `currency-codes`
 * package turns "N.A." into 0 in its data, which would let "1 XAU" pass as a whole-unit currency; we refuse them
 * instead. test/core/currency.test.ts checks this list against the ISO XML shipped inside the package, so a
 * package upgrade that changes the set fails loudly.
 */
export const NO_MINOR_UNIT: ReadonlySet<string> = new Set([
  'XAG',
  'XAU',
  'XBA',
  'XBB',
  'XBC',
  'XBD',
  'XDR',
  'XPD',
  'XPT',
  'XSU',
  'XTS',
  'XUA',
  'XXX',
])

const ISO_EXPONENT: ReadonlyMap<string, number> = new Map(
  isoData.filter((c) => !NO_MINOR_UNIT.has(c.code)).map((c) => [c.code, c.digits]),
)
const ISO_CODES: ReadonlySet<string> = new Set(isoData.map((c) => c.code))

const label = (field: string | undefined): string => (field ? `${field}: ` : '')

/** Upper-cases and validates an ISO 4217 code that we can hold money in; MoneyError naming `field` otherwise. */
export function assertCurrency(code: string, field?: string): string {
  // The common case (a valid upper-case code) answered by one look-up: this runs for every amount of every object.
  if (ISO_EXPONENT.has(code)) return code
  const upper = typeof code === 'string' ? code.toUpperCase() : ''
  if (!/^[A-Z]{3}$/.test(upper) || !ISO_CODES.has(upper)) {
    throw new MoneyError(`${label(field)}currency ${JSON.stringify(code)} is not an ISO 4217 code`)
  }
  if (!ISO_EXPONENT.has(upper)) {
    throw new MoneyError(
      `${label(field)}currency ${upper} has no minor unit in ISO 4217 and is not supported`,
      'Metals, SDR, fund and test codes (XAU, XDR, XTS ...) cannot be held as money here.',
    )
  }
  return upper
}

/** Every ISO 4217 code with a minor unit, sorted. */
export function supportedCurrencies(): string[] {
  return [...ISO_EXPONENT.keys()].sort()
}

export function isSupportedCurrency(code: string): boolean {
  return typeof code === 'string' && ISO_EXPONENT.has(code.toUpperCase())
}

/** ISO 4217 minor-unit exponent (JPY 0, USD 2, KWD 3, CLF 4). */
export function isoExponent(code: string): number {
  const upper = assertCurrency(code)
  return ISO_EXPONENT.get(upper) as number
}

/** The gateway's rule for a currency, or the ISO exponent when the gateway follows ISO. */
export function wireRule(code: string, wire: CurrencyWire): WireRule {
  const upper = assertCurrency(code)
  return wire.deviations[upper] ?? {exponent: ISO_EXPONENT.get(upper) as number, rule: `ISO 4217 exponent`}
}

/** The exponent the gateway uses on the wire for this currency. */
export function gatewayExponent(code: string, wire: CurrencyWire): number {
  return wireRule(code, wire).exponent
}
