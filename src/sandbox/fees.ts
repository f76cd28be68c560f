import {UsageError} from '../core/errors.js'

/**
 * Per currency: the smallest step amounts move in (ISO minor units), a typical retail price range, and the
 * fixed part of the fee. KWD steps by 10 fils because Stripe only accepts three-decimal amounts ending in 0.
 */
export interface CurrencyProfile {
  step: number
  min: number
  max: number
  fixedFee: number
}
export const PROFILES: Record<string, CurrencyProfile> = {
  EUR: {step: 1, min: 500, max: 40_000, fixedFee: 25},
  USD: {step: 1, min: 500, max: 45_000, fixedFee: 30},
  JPY: {step: 1, min: 500, max: 60_000, fixedFee: 40},
  KWD: {step: 10, min: 1_500, max: 140_000, fixedFee: 100},
}
/** ~2.9 % + a fixed part, rounded half-up to the currency's step (integer arithmetic on integer amounts). */
export function sandboxFee(amountMinor: number, currency: string): number {
  const profile = PROFILES[currency]
  if (!profile) throw new UsageError(`no sandbox fee profile for ${currency}`)
  const percent = Math.floor((amountMinor * 29 + 500) / 1000)
  const fee = percent + profile.fixedFee
  return Math.round(fee / profile.step) * profile.step
}
