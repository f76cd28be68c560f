import {MoneyError} from './errors.js'
import {assertCurrency, isoExponent} from './currency.js'
import {formatMoney} from './money.js'
import type {Money} from './transaction.js'

/** One published rate: `rate` quote units per 1 base unit, as the exact decimal string the source gave. */
export interface FxRate {
  date: string // YYYY-MM-DD
  base: string
  quote: string
  rate: string
}

/** An exact non-zero rational, kept reduced with a positive denominator. */
export interface Rational {
  num: bigint
  den: bigint
}

/** The pivot currency for triangulation: ECB publishes every rate against EUR. */
export const PIVOT = 'EUR'

const POSITIVE_DECIMAL = /^(\d+)(?:\.(\d+))?$/

const abs = (n: bigint): bigint => (n < 0n ? -n : n)
function gcd(a: bigint, b: bigint): bigint {
  a = abs(a)
  b = abs(b)
  while (b !== 0n) [a, b] = [b, a % b]
  return a
}

function reduce(num: bigint, den: bigint): Rational {
  if (den === 0n) throw new MoneyError('rate with a zero denominator')
  if (den < 0n) [num, den] = [-num, -den]
  const g = gcd(num, den) || 1n
  return {num: num / g, den: den / g}
}

const multiply = (a: Rational, b: Rational): Rational => reduce(a.num * b.num, a.den * b.den)
const invert = (r: Rational): Rational => reduce(r.den, r.num)

export function isIsoDate(value: string): boolean {
  const m = /^(\d{4})-(\d{2})-(\d{2})$/.exec(value)
  if (!m) return false
  const [y, mo, d] = [Number(m[1]), Number(m[2]), Number(m[3])]
  const t = new Date(Date.UTC(y, mo - 1, d))
  return t.getUTCFullYear() === y && t.getUTCMonth() === mo - 1 && t.getUTCDate() === d
}

/** A rate string must be a plain positive decimal ("1.0705", "171.94"); exact, never via floats. */
export function parseRate(rate: string): Rational {
  const m = typeof rate === 'string' ? POSITIVE_DECIMAL.exec(rate) : null
  if (!m) throw new MoneyError(`rate ${JSON.stringify(rate)} is not a positive decimal number`)
  const frac = m[2] ?? ''
  const num = BigInt((m[1] ?? '') + frac)
  if (num === 0n) throw new MoneyError(`rate ${JSON.stringify(rate)} must be greater than zero`)
  return reduce(num, 10n ** BigInt(frac.length))
}

/** n/d rounded to the nearest integer, ties to even (banker's rounding). */
export function roundHalfEven(n: bigint, d: bigint): bigint {
  if (d === 0n) throw new MoneyError('division by zero')
  if (d < 0n) [n, d] = [-n, -d]
  const q = n / d // truncates toward zero
  const r = n - q * d
  const twice = 2n * abs(r)
  if (twice < d) return q
  const away = n < 0n ? q - 1n : q + 1n
  if (twice > d) return away
  return q % 2n === 0n ? q : away
}

/**
 * Converts at an exact rate, rounding half to even once, at the target's ISO exponent:
 * target minor = minor × 10^expTo × num / (10^expFrom × den).
 */
export function convertMoney(m: Money, to: string, rate: Rational): Money {
  const from = assertCurrency(m.currency)
  const target = assertCurrency(to)
  if (!Number.isSafeInteger(m.minor))
    throw new MoneyError(`an amount of ${m.minor} minor units of ${from} is not a safe integer`)
  if (rate.num <= 0n || rate.den <= 0n) throw new MoneyError('conversion rate must be positive')
  const n = BigInt(m.minor) * 10n ** BigInt(isoExponent(target)) * rate.num
  const d = 10n ** BigInt(isoExponent(from)) * rate.den
  const minor = roundHalfEven(n, d)
  const v = Number(minor)
  if (!Number.isSafeInteger(v))
    throw new MoneyError(
      `${formatMoney(m)} converted to ${target} is more than the largest amount held exactly (${formatMoney({minor: Number.MAX_SAFE_INTEGER, currency: target})})`,
    )
  return {minor: v, currency: target}
}

/** Decimal display of a rational with `digits` fraction digits, rounded half to even. */
export function formatRational(r: Rational, digits: number): string {
  if (!Number.isInteger(digits) || digits < 0) throw new RangeError('digits must be a non-negative integer')
  const scaled = roundHalfEven(r.num * 10n ** BigInt(digits), r.den)
  const negative = scaled < 0n
  const s = abs(scaled)
    .toString()
    .padStart(digits + 1, '0')
  const whole = s.slice(0, s.length - digits)
  const frac = s.slice(s.length - digits)
  return (negative ? '-' : '') + whole + (digits > 0 ? `.${frac}` : '')
}

export type RateLookup = (base: string, quote: string, onOrBefore: string) => FxRate | undefined

export interface ResolvedRate {
  rate: Rational
  /** The date of the rate used; for a triangulated rate, the older of its two legs. */
  date: string
  /** Currencies walked, e.g. ['USD', 'GBP'] or ['USD', 'EUR', 'GBP']. */
  path: string[]
}

/** One leg a→b from a published a/b rate, or the inverse of a published b/a rate; the later-dated wins. */
function leg(a: string, b: string, date: string, lookup: RateLookup): {rate: Rational; date: string} | undefined {
  const candidates: {rate: Rational; date: string}[] = []
  const direct = lookup(a, b, date)
  if (direct) candidates.push({rate: parseRate(direct.rate), date: direct.date})
  const inverse = lookup(b, a, date)
  if (inverse) candidates.push({rate: invert(parseRate(inverse.rate)), date: inverse.date})
  return latest(candidates)
}

// Stable: on equal dates the earlier candidate (direct before inverse before triangulated) is kept.
function latest<T extends {date: string}>(candidates: T[]): T | undefined {
  let best: T | undefined
  for (const c of candidates) if (!best || c.date > best.date) best = c
  return best
}

/**
 * The rate to convert `from` into `to` for a transaction dated `date`: direct, inverse, or through EUR. The lookup
 * returns the latest rate on or before `date`; among the routes found, the one whose (oldest) rate is most recent
 * wins, so a stale hand-entered pair never beats yesterday's ECB rates.
 */
export function resolveRate(from: string, to: string, date: string, lookup: RateLookup): ResolvedRate | undefined {
  const a = assertCurrency(from)
  const b = assertCurrency(to)
  if (!isIsoDate(date)) throw new MoneyError(`date ${JSON.stringify(date)} is not a YYYY-MM-DD date`)
  if (a === b) return {rate: {num: 1n, den: 1n}, date, path: [a]}
  const routes: ResolvedRate[] = []
  const one = leg(a, b, date, lookup)
  if (one) routes.push({...one, path: [a, b]})
  if (a !== PIVOT && b !== PIVOT) {
    const first = leg(a, PIVOT, date, lookup)
    const second = first && leg(PIVOT, b, date, lookup)
    if (first && second) {
      routes.push({
        rate: multiply(first.rate, second.rate),
        date: first.date < second.date ? first.date : second.date,
        path: [a, PIVOT, b],
      })
    }
  }
  return latest(routes)
}
