import {MoneyError} from './errors.js'
import {assertCurrency, isoExponent, wireRule} from './currency.js'
import type {CurrencyWire} from './wire-rule.js'
import type {Money} from './transaction.js'

export type {Money} from './transaction.js'

// One grammar for every decimal amount: optional minus, digits, optional fraction. No "+", exponent, spaces,
// separators, or bare "." forms, so "1e3", " 5", "1,000", ".5" and "5." are all rejected rather than guessed at.
const DECIMAL = /^(-?)(\d+)(?:\.(\d+))?$/

const subject = (field: string | undefined, value: string): string =>
  field ? `${field} ${JSON.stringify(value)}` : `amount ${JSON.stringify(value)}`

function toSafe(n: bigint, what: () => string): number {
  const v = Number(n)
  if (!Number.isSafeInteger(v) || BigInt(v) !== n) throw new MoneyError(`${what()} is outside the exact integer range`)
  return v
}

function checkMoney(m: Money): string {
  const currency = assertCurrency(m.currency)
  if (currency !== m.currency) throw new MoneyError(`currency ${JSON.stringify(m.currency)} must be upper-case`)
  if (!Number.isSafeInteger(m.minor))
    throw new MoneyError(`an amount of ${m.minor} minor units of ${m.currency} is not a safe integer`)
  return currency
}

interface Parsed {
  negative: boolean
  digits: bigint // the value scaled by 10^decimals
  decimals: number
}

function parseParts(value: string, field: string | undefined, currency: string): Parsed {
  const match = typeof value === 'string' ? DECIMAL.exec(value) : null
  if (!match) {
    throw new MoneyError(
      `${subject(field, String(value))} is not a decimal amount of ${currency}`,
      'Use digits with an optional "-" and "." (e.g. 12.34); no exponent, spaces or thousands separators.',
    )
  }
  const [, sign = '', whole = '', frac = ''] = match
  return {negative: sign === '-', digits: BigInt(whole + frac), decimals: frac.length}
}

/** Rescales an integer from one number of decimals to another; undefined when that would lose digits. */
function rescale(n: bigint, from: number, to: number): bigint | undefined {
  if (to >= from) return n * 10n ** BigInt(to - from)
  const div = 10n ** BigInt(from - to)
  return n % div === 0n ? n / div : undefined
}

/** Exact decimal string -> ISO minor units. More decimals than the ISO exponent is an error, even trailing zeros. */
export function parseDecimal(value: string, currency: string, opts: {field?: string} = {}): Money {
  const code = assertCurrency(currency, opts.field)
  const exp = isoExponent(code)
  const p = parseParts(value, opts.field, code)
  if (p.decimals > exp) {
    throw new MoneyError(`${subject(opts.field, value)} has ${p.decimals} decimals but ${code} allows ${exp}`)
  }
  const scaled = (rescale(p.digits, p.decimals, exp) as bigint) * (p.negative ? -1n : 1n)
  return {minor: toSafe(scaled, () => subject(opts.field, value)), currency: code}
}

function formatScaled(minor: bigint, exp: number): string {
  const negative = minor < 0n
  const digits = (negative ? -minor : minor).toString().padStart(exp + 1, '0')
  const whole = digits.slice(0, digits.length - exp)
  const frac = digits.slice(digits.length - exp)
  return (negative ? '-' : '') + whole + (exp > 0 ? `.${frac}` : '')
}

/** Canonical decimal at the ISO exponent: "12.34", "1000" (JPY), "-0.50", "1.2340" (CLF). */
export function formatDecimal(m: Money): string {
  const code = checkMoney(m)
  return formatScaled(BigInt(m.minor), isoExponent(code))
}

/** "12.34 USD". */
export function formatMoney(m: Money): string {
  return `${formatDecimal(m)} ${m.currency}`
}

/** A gateway's integer amount (its own exponent) -> ISO minor units; MoneyError if not exactly representable. */
export function fromGatewayMinor(amount: number, currency: string, wire: CurrencyWire, field?: string): Money {
  const code = assertCurrency(currency, field)
  const name = field ?? 'amount'
  if (typeof amount !== 'number' || !Number.isSafeInteger(amount)) {
    throw new MoneyError(
      `${name} ${String(amount)} from ${wire.gateway} is not a safe integer (${wire.gateway} sends ${code} in integer minor units)`,
    )
  }
  const rule = wireRule(code, wire)
  // The wire integer read at the gateway's exponent, as a person reads an amount ("100.50 CLP", not "10050 CLP").
  const what = () =>
    `${name} ${formatScaled(BigInt(amount), rule.exponent)} ${code} from ${wire.gateway} (${amount} on its wire)`
  const iso = rescale(BigInt(amount), rule.exponent, isoExponent(code))
  if (iso === undefined) {
    throw new MoneyError(
      `${what()} is not a whole number of ${code} minor units (ISO exponent ${isoExponent(code)}): ${rule.rule}`,
    )
  }
  return {minor: toSafe(iso, what), currency: code}
}

/** ISO minor units -> the integer the gateway expects; MoneyError when the gateway cannot express the amount. */
export function toGatewayMinor(m: Money, wire: CurrencyWire): number {
  const code = checkMoney(m)
  const rule = wireRule(code, wire)
  const units = rescale(BigInt(m.minor), isoExponent(code), rule.exponent)
  if (units === undefined) {
    throw new MoneyError(
      `${formatMoney(m)} cannot be sent to ${wire.gateway}: it uses ${rule.exponent} decimals for ${code} (${rule.rule})`,
      'Round the amount to what the gateway accepts.',
    )
  }
  if (rule.sendMultipleOf !== undefined && units % BigInt(rule.sendMultipleOf) !== 0n) {
    throw new MoneyError(`${formatMoney(m)} cannot be sent to ${wire.gateway}: ${rule.rule}`, 'Round the amount first.')
  }
  return toSafe(units, () => `${formatMoney(m)} on the ${wire.gateway} wire`)
}

/**
 * A gateway's decimal string (PayPal, Braintree, Adyen reports) -> ISO minor units. Trailing zeros are tolerated
 * ("100.00" HUF from PayPal is 100 HUF); the value itself must be exact both at the gateway's exponent and at ISO.
 */
export function parseGatewayDecimal(value: string, currency: string, wire: CurrencyWire, field?: string): Money {
  const code = assertCurrency(currency, field)
  const p = parseParts(value, field, code)
  const rule = wireRule(code, wire)
  const what = () => `${subject(field, value)} ${code} from ${wire.gateway}`
  if (rescale(p.digits, p.decimals, rule.exponent) === undefined) {
    throw new MoneyError(
      `${what()} has more precision than ${wire.gateway} uses for ${code} (${rule.exponent} decimals: ${rule.rule})`,
    )
  }
  const iso = rescale(p.digits, p.decimals, isoExponent(code))
  if (iso === undefined) {
    throw new MoneyError(`${what()} has ${p.decimals} decimals but ${code} allows ${isoExponent(code)}`)
  }
  return {minor: toSafe(p.negative ? -iso : iso, what), currency: code}
}

/** ISO minor units -> the decimal string the gateway expects (PayPal HUF "100", JPY "1000", USD "12.34"). */
export function formatGatewayDecimal(m: Money, wire: CurrencyWire): string {
  return formatScaled(BigInt(toGatewayMinor(m, wire)), wireRule(m.currency, wire).exponent)
}

export function zeroMoney(currency: string): Money {
  return {minor: 0, currency: assertCurrency(currency)}
}

export function negateMoney(m: Money): Money {
  checkMoney(m)
  return {minor: 0 - m.minor, currency: m.currency} // 0 - x, not -x: never produce -0
}

export function addMoney(a: Money, b: Money): Money {
  checkMoney(a)
  checkMoney(b)
  if (a.currency !== b.currency)
    throw new MoneyError(`cannot add ${formatMoney(a)} and ${formatMoney(b)}: different currencies`)
  const minor = a.minor + b.minor
  if (!Number.isSafeInteger(minor)) {
    throw new MoneyError(`${formatMoney(a)} + ${formatMoney(b)} is outside the exact integer range`)
  }
  return {minor, currency: a.currency}
}

/** One total per currency present in the list (zero totals kept), sorted by currency code. */
export function sumByCurrency(list: readonly Money[]): Money[] {
  const totals = new Map<string, Money>()
  for (const m of list) {
    const prev = totals.get(m.currency)
    totals.set(m.currency, prev ? addMoney(prev, m) : addMoney(zeroMoney(m.currency), m))
  }
  return [...totals.keys()].sort().map((c) => totals.get(c) as Money)
}
