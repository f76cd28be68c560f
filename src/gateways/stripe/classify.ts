import type {Decision, Failure, FailureVerdict} from '../../core/transaction.js'
import {AuthError} from '../../core/errors.js'
import {networkOfBrand} from '../../core/retry/card-network.js'
import {CircuitOpenError, TransportError} from '../http.js'
import {StripeApiError} from './api-error.js'

/**
 * Stripe's gateway-status map (docs/gateways.md#stripe-declines and #rules-before-any-table):
 * the advice code wins, then the decline code table, then the error code / HTTP status. A decline we do not know
 * is terminal; a 5xx or a network failure we do not know is `unknown` (resolve the payment before retrying).
 */
const ADVICE: Readonly<Record<string, Decision>> = {
  try_again_later: 'retry',
  do_not_try_again: 'terminal',
  confirm_card_data: 'terminal',
}

const DECLINE_CODES: Readonly<Record<string, Decision>> = {
  ...decide('retry', [
    'insufficient_funds',
    'generic_decline',
    'do_not_honor',
    'call_issuer',
    'no_action_taken',
    'try_again_later',
    'issuer_not_available',
    'approve_with_id',
    'reenter_transaction',
    'processing_error',
    'card_velocity_exceeded',
    'withdrawal_count_limit_exceeded',
  ]),
  ...decide('terminal', [
    'authentication_required',
    'expired_card',
    'incorrect_number',
    'invalid_number',
    'incorrect_cvc',
    'incorrect_zip',
    'invalid_account',
    'lost_card',
    'stolen_card',
    'pickup_card',
    'fraudulent',
    'merchant_blacklist',
    'revocation_of_authorization',
    'revocation_of_all_authorizations',
    'stop_payment_order',
    'transaction_not_allowed',
    'card_not_supported',
    'currency_not_supported',
    'do_not_try_again',
  ]),
  duplicate_transaction: 'unknown',
}

/** Error `code`s (not decline codes) with a decision of their own. */
const ERROR_CODES: Readonly<Record<string, Decision>> = {
  rate_limit: 'retry',
  lock_timeout: 'retry',
  idempotency_key_in_use: 'retry',
  processing_error: 'retry',
}

function decide(decision: Decision, codes: readonly string[]): Record<string, Decision> {
  return Object.fromEntries(codes.map((code) => [code, decision]))
}

/** A decline as Stripe reports it on a charge or a card_error: decline code (or failure code) + advice code. */
export function declineVerdict(declineCode: string | null | undefined, adviceCode?: string | null): FailureVerdict {
  const advice = adviceCode ? ADVICE[adviceCode] : undefined
  if (advice) return {decision: advice, basis: 'advice'}
  const mapped = declineCode ? DECLINE_CODES[declineCode] : undefined
  return mapped ? {decision: mapped, basis: 'table'} : {decision: 'terminal', basis: 'unmapped'}
}

export function classifyDecline(declineCode: string | null | undefined, adviceCode?: string | null): Decision {
  return declineVerdict(declineCode, adviceCode).decision
}

/** What Stripe says about a decline, wherever it says it (a charge's `outcome`, an error, `last_payment_error`). */
export interface StripeDecline {
  code: string
  message: string
  advice?: string | null
  /** `network_decline_code`, `network_advice_code` (API 2024-12-18.acacia on). */
  networkCode?: string | null
  networkAdvice?: string | null
  /** `payment_method_details.card.brand` or the error's `payment_method.card.brand`. */
  brand?: string | null
}

/** The failure of a declined payment, with everything the retry engine reads (docs/gateways.md#stripe-declines). */
export function declineFailure(d: StripeDecline): Failure {
  const failure: Failure = {code: d.code, message: d.message, ...declineVerdict(d.code, d.advice), origin: 'decline'}
  if (d.advice) failure.advice = d.advice
  const network = networkOfBrand(d.brand)
  if (network) failure.network = network
  if (d.networkCode) failure.networkCode = d.networkCode
  if (d.networkAdvice) failure.networkAdvice = d.networkAdvice
  return failure
}

export function classifyStripeError(e: unknown): Decision {
  if (typeof e === 'string') return classifyDecline(e)
  if (e instanceof TransportError) return 'unknown'
  // The breaker refused to send anything: nothing happened at Stripe, so trying later is safe.
  if (e instanceof CircuitOpenError) return 'retry'
  if (e instanceof AuthError) return 'terminal'
  if (e instanceof StripeApiError) return classifyApiError(e)
  return 'unknown'
}

function classifyApiError(e: StripeApiError): Decision {
  if (e.type === 'card_error' || e.declineCode) {
    const code = e.declineCode ?? (e.code && e.code !== 'card_declined' ? e.code : null)
    if (e.adviceCode || code) return classifyDecline(code, e.adviceCode)
  }
  if (e.code && ERROR_CODES[e.code]) return ERROR_CODES[e.code] as Decision
  if (e.type === 'idempotency_error') return 'terminal' // the key was reused with other parameters: a bug
  if (e.status === 429 || e.type === 'rate_limit_error') return 'retry'
  if (e.status === 409) return 'retry'
  if (e.status >= 500 || e.type === 'api_error') return 'unknown'
  if (e.type === 'card_error') return 'terminal' // a decline without a code we know
  if (e.status === 401 || e.status === 403) return 'terminal'
  if (e.status >= 400 && e.status < 500) return 'terminal'
  return 'unknown'
}
