import {UsageError} from '../errors.js'

/**
 * How far a payment may be from the invoice it pays and still count as paying it exactly: a share of the invoice's
 * amount. Kept as an exact fraction (num/den of the amount), so "0.5%" never goes through a float.
 */
export interface Tolerance {
  /** As given, e.g. "0.5%". */
  text: string
  num: bigint
  den: bigint
}

export const DEFAULT_TOLERANCE = '0.5%'

const PERCENT = /^(\d{1,3})(?:\.(\d{1,6}))?%$/

/** "0.5%", "1%", "0%" (exact), "0" -> a fraction of the invoice amount; at most 100%. */
export function parseTolerance(text: string): Tolerance {
  const value = text.trim()
  if (value === '0') return {text: '0%', num: 0n, den: 1n}
  const m = PERCENT.exec(value)
  if (!m) throw new UsageError(`--tolerance ${JSON.stringify(text)}: expected a percentage like 0.5% (or 0 for exact)`)
  const frac = m[2] ?? ''
  const num = BigInt((m[1] ?? '') + frac)
  const den = 100n * 10n ** BigInt(frac.length)
  if (num > den) throw new UsageError(`--tolerance ${JSON.stringify(text)}: at most 100%`)
  return {text: value, num, den}
}

/** The allowed difference in minor units for an invoice of `minor`: the fraction, rounded down. */
export function allowance(minor: number, tolerance: Tolerance): number {
  if (tolerance.num === 0n) return 0
  const abs = minor < 0 ? -minor : minor
  return Number((BigInt(abs) * tolerance.num) / tolerance.den)
}

/** True when `actual` differs from `expected` by no more than the tolerance of `expected`. */
export function withinTolerance(expected: number, actual: number, tolerance: Tolerance): boolean {
  const difference = actual - expected
  return (difference < 0 ? -difference : difference) <= allowance(expected, tolerance)
}
