import type {Decision, Failure, FailureVerdict} from '../../core/transaction.js'
import type {CardNetwork} from '../../core/retry/card-network.js'
import {AuthError} from '../../core/errors.js'
import {CircuitOpenError, TransportError} from '../http.js'
import {SquareApiError} from './api-error.js'

/**
 * Square's error codes -> retry decision (docs/gateways.md#square-declines). Kept as data so a change of
 * policy is one line. A decline code that is not here is terminal; an unmapped 5xx or a network failure is
 * unknown: the payment may exist, so resolve it before retrying (docs/gateways.md#declines-and-retries).
 */
const SQUARE_DECISIONS: Readonly<Record<string, Decision>> = {
  INSUFFICIENT_FUNDS: 'retry',
  TRANSACTION_LIMIT: 'retry',
  GENERIC_DECLINE: 'retry', // capped by the retry policy (project)
  CARD_DECLINED: 'retry', // capped (project) ⚠
  CVV_FAILURE: 'terminal',
  ADDRESS_VERIFICATION_FAILURE: 'terminal',
  CARD_EXPIRED: 'terminal',
  EXPIRATION_FAILURE: 'terminal',
  INVALID_EXPIRATION: 'terminal',
  INVALID_ACCOUNT: 'terminal',
  PAN_FAILURE: 'terminal',
  INVALID_CARD: 'terminal',
  CARD_NOT_SUPPORTED: 'terminal',
  CARDHOLDER_INSUFFICIENT_PERMISSIONS: 'terminal',
  CARD_DECLINED_CALL_ISSUER: 'terminal',
  VOICE_FAILURE: 'terminal',
  CARD_DECLINED_VERIFICATION_REQUIRED: 'terminal',
  ALLOWABLE_PIN_TRIES_EXCEEDED: 'terminal',
  TEMPORARY_ERROR: 'retry', // with the same idempotency key
  RATE_LIMITED: 'retry',
  INTERNAL_SERVER_ERROR: 'unknown',
  SERVICE_UNAVAILABLE: 'unknown',
  GATEWAY_TIMEOUT: 'unknown',
  REQUEST_TIMEOUT: 'unknown',
  IDEMPOTENCY_KEY_REUSED: 'terminal', // a bug on our side; reconcile the original first
}

/** A decline code from a failed payment: unmapped -> terminal, and reported as unmapped. */
export function declineVerdict(code: string): FailureVerdict {
  const mapped = SQUARE_DECISIONS[code]
  return mapped ? {decision: mapped, basis: 'table'} : {decision: 'terminal', basis: 'unmapped'}
}

function declineDecision(code: string): Decision {
  return declineVerdict(code).decision
}

/**
 * A Square error as a failure. Square files declines under the category PAYMENT_METHOD_ERROR (and a failed
 * payment's own errors are declines); any other category means the request failed (invalid, throttled, a fault).
 */
export function squareFailure(
  error: {code: string; detail?: string | null; category?: string | null},
  opts: {decline: boolean; network?: CardNetwork | null},
): Failure {
  const failure: Failure = {
    code: error.code,
    message: error.detail ?? error.code,
    ...declineVerdict(error.code),
    origin: opts.decline || error.category === 'PAYMENT_METHOD_ERROR' ? 'decline' : 'request',
  }
  if (opts.network) failure.network = opts.network
  return failure
}

export function classifySquareError(e: unknown): Decision {
  if (typeof e === 'string') return declineDecision(e)
  if (e instanceof SquareApiError) {
    const mapped = e.code === undefined ? undefined : SQUARE_DECISIONS[e.code]
    if (mapped) return mapped
    if (e.status === 429) return 'retry'
    if (e.status >= 500) return 'unknown'
    return 'terminal'
  }
  if (e instanceof AuthError) return 'terminal'
  // The breaker refused before anything was sent: nothing can have happened at Square.
  if (e instanceof CircuitOpenError) return 'retry'
  if (e instanceof TransportError) return 'unknown'
  return 'unknown'
}
