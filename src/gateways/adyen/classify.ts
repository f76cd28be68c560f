import type {Decision, Failure, FailureVerdict} from '../../core/transaction.js'
import {AuthError} from '../../core/errors.js'
import {networkOfBrand} from '../../core/retry/card-network.js'
import {normalizeAdviceCode} from '../../core/retry/mastercard-advice.js'
import {normalizeNetworkCode} from '../../core/retry/network-codes.js'
import {CircuitOpenError, TransportError} from '../http.js'
import {AdyenApiError} from './api-error.js'

/**
 * Adyen's refusal codes -> retry decision (docs/gateways.md#adyen-declines). Adyen publishes no retry flag:
 * these are the project's decisions. A code missing here is terminal (docs/gateways.md#declines-and-retries).
 */
export const REFUSAL_REASONS: Readonly<Record<string, {reason: string; decision: Decision}>> = {
  '2': {reason: 'Refused', decision: 'retry'},
  '3': {reason: 'Referral', decision: 'terminal'},
  '4': {reason: 'Acquirer Error', decision: 'retry'},
  '5': {reason: 'Blocked Card', decision: 'terminal'},
  '6': {reason: 'Expired Card', decision: 'terminal'},
  '7': {reason: 'Invalid Amount', decision: 'terminal'},
  '8': {reason: 'Invalid Card Number', decision: 'terminal'},
  '9': {reason: 'Issuer Unavailable', decision: 'retry'},
  '12': {reason: 'Not enough balance', decision: 'retry'},
  '14': {reason: 'Acquirer Fraud', decision: 'terminal'},
  '20': {reason: 'FRAUD', decision: 'terminal'},
  '22': {reason: 'FRAUD-CANCELLED', decision: 'terminal'},
  '23': {reason: 'Transaction Not Permitted', decision: 'terminal'},
  '24': {reason: 'CVC Declined', decision: 'terminal'},
  '25': {reason: 'Restricted Card', decision: 'terminal'},
  '26': {reason: 'Revocation Of Auth', decision: 'terminal'},
  '27': {reason: 'Declined Non Generic', decision: 'terminal'},
  '28': {reason: 'Withdrawal amount exceeded', decision: 'retry'},
  '29': {reason: 'Withdrawal count exceeded', decision: 'retry'},
  '31': {reason: 'Issuer Suspected Fraud', decision: 'terminal'},
  '38': {reason: 'Authentication required', decision: 'terminal'},
  '46': {reason: 'Blocked by Adyen to prevent excessive retry fees', decision: 'terminal'},
}

const CODE_BY_REASON = new Map(Object.entries(REFUSAL_REASONS).map(([code, r]) => [r.reason.toLowerCase(), code]))

/** Webhooks carry the refusal text in `reason`, not the code: find the code it names (case-insensitive). */
export function refusalCodeForReason(reason: string): string | null {
  return CODE_BY_REASON.get(reason.trim().toLowerCase()) ?? null
}

/** A refusal code, a refusal text or a non-final resultCode -> decision, and whether the table knew it. */
export function refusalVerdict(codeOrReason: string): FailureVerdict {
  const value = codeOrReason.trim()
  if (/^(received|pending)$/i.test(value)) return {decision: 'unknown', basis: 'table'}
  const code = REFUSAL_REASONS[value] ? value : refusalCodeForReason(value)
  return code ? {decision: REFUSAL_REASONS[code]!.decision, basis: 'table'} : {decision: 'terminal', basis: 'unmapped'}
}

export function classifyRefusal(codeOrReason: string): Decision {
  return refusalVerdict(codeOrReason).decision
}

/**
 * What Adyen adds to a refusal when the merchant account is set up to return it (docs/gateways.md#adyen-declines):
 * the raw acquirer response (`refusalReasonRaw`, e.g. `51 : Insufficient funds`), Mastercard's merchant advice code
 * (`merchantAdviceCode`) and the card's brand (`visa`, `mc`, …).
 */
export interface RefusalDetails {
  raw?: string | null
  merchantAdviceCode?: string | null
  brand?: string | null
}

/** A refusal (its code when Adyen gave one, and its text) -> the failure recorded on a failed payment. */
export function refusalFailure(code: string | null, message: string, details: RefusalDetails = {}): Failure {
  const known = code ? REFUSAL_REASONS[code] : undefined
  const failure: Failure = {
    code: code ?? message,
    message: message || known?.reason || 'Refused',
    ...refusalVerdict(code ?? message),
    origin: 'decline',
  }
  const network = networkOfBrand(details.brand)
  if (network) failure.network = network
  // Adyen writes both with their text (`51 : Insufficient funds`), sometimes without the leading zero.
  const networkCode = normalizeNetworkCode(details.raw)
  if (networkCode) failure.networkCode = networkCode
  const networkAdvice = normalizeAdviceCode(details.merchantAdviceCode)
  if (networkAdvice) failure.networkAdvice = networkAdvice
  return failure
}

/**
 * Error -> what retrying a payment should do. An Adyen 5xx on a payment may have charged the card, so it is
 * unknown (resolve first, docs/gateways.md#unknown-outcomes); `00_500` "too many requests" is Adyen's rate
 * limit and safe to retry (docs/gateways.md#adyen-errors).
 */
export function classifyAdyenError(e: unknown): Decision {
  if (typeof e === 'string') return classifyRefusal(e)
  if (e instanceof AuthError) return 'terminal'
  if (e instanceof CircuitOpenError) return 'retry' // nothing was sent
  if (e instanceof TransportError) return 'unknown'
  if (e instanceof AdyenApiError) {
    const {httpStatus, body} = e
    if (httpStatus === 429 || /too many requests/i.test(body.message)) return 'retry'
    if (httpStatus === 401 || httpStatus === 403) return 'terminal'
    if (httpStatus >= 400 && httpStatus < 500) return httpStatus === 408 ? 'retry' : 'terminal'
    return 'unknown'
  }
  return 'unknown'
}
