import type {Decision, Failure, FailureVerdict} from '../../core/transaction.js'
import type {CardNetwork} from '../../core/retry/card-network.js'
import {AuthError} from '../../core/errors.js'
import {CircuitOpenError, TransportError} from '../http.js'
import {PaypalApiError} from './api-error.js'

/**
 * PayPal error names and detail issues -> retry decision (docs/gateways.md#paypal-declines). PayPal says an
 * instrument decline means "the payer must choose another funding source", so every decline here is terminal.
 * An unmapped decline is terminal; an unmapped 5xx or a network failure is unknown (docs/gateways.md#declines-and-retries).
 */
export const PAYPAL_DECISIONS: Readonly<Record<string, Decision>> = {
  INSTRUMENT_DECLINED: 'terminal',
  PAYER_ACTION_REQUIRED: 'terminal',
  TRANSACTION_REFUSED: 'terminal',
  REDIRECT_PAYER_FOR_ALTERNATE_FUNDING: 'terminal',
  PAYER_CANNOT_PAY: 'terminal',
  PAYMENT_DENIED: 'terminal',
  MAX_NUMBER_OF_PAYMENT_ATTEMPTS_EXCEEDED: 'terminal',
  CARD_EXPIRED: 'terminal',
  ORDER_NOT_APPROVED: 'terminal',
  VALIDATION_ERROR: 'terminal',
  UNPROCESSABLE_ENTITY: 'terminal',
  INVALID_REQUEST: 'terminal',
  RESOURCE_NOT_FOUND: 'terminal',
  INVALID_RESOURCE_ID: 'terminal',
  ORDER_ALREADY_CAPTURED: 'unknown', // possibly already paid: look the order up first (project) ⚠
  DUPLICATE_INVOICE_ID: 'unknown', // ditto
  INTERNAL_SERVER_ERROR: 'unknown',
  INTERNAL_SERVICE_ERROR: 'unknown',
  RATE_LIMIT_REACHED: 'retry', // ⚠
}

/** The names above that refuse the payment itself; the rest say the request failed (invalid, throttled, a fault). */
const DECLINE_NAMES: ReadonlySet<string> = new Set([
  'INSTRUMENT_DECLINED',
  'PAYER_ACTION_REQUIRED',
  'TRANSACTION_REFUSED',
  'REDIRECT_PAYER_FOR_ALTERNATE_FUNDING',
  'PAYER_CANNOT_PAY',
  'PAYMENT_DENIED',
  'MAX_NUMBER_OF_PAYMENT_ATTEMPTS_EXCEEDED',
  'CARD_EXPIRED',
  'ORDER_NOT_APPROVED',
])

/** A decline or error code: unmapped -> terminal (rule 2), and reported as unmapped. */
export function paypalVerdict(code: string): FailureVerdict {
  const mapped = PAYPAL_DECISIONS[code]
  return mapped ? {decision: mapped, basis: 'table'} : {decision: 'terminal', basis: 'unmapped'}
}

function paypalDecision(code: string): Decision {
  return paypalVerdict(code).decision
}

/**
 * The failure for a PayPal name or issue. An unmapped name counts as a decline (it may be one PayPal added). A
 * payment from a PayPal wallet is no card attempt of the merchant's (`network: 'none'`): PayPal charges the funding
 * source itself.
 */
export function paypalFailure(code: string, message: string, opts: {network?: CardNetwork} = {}): Failure {
  const verdict = paypalVerdict(code)
  const decline = DECLINE_NAMES.has(code) || verdict.basis === 'unmapped'
  const failure: Failure = {code, message, ...verdict, origin: decline ? 'decline' : 'request'}
  if (opts.network) failure.network = opts.network
  return failure
}

export function classifyPaypalError(e: unknown): Decision {
  if (typeof e === 'string') return paypalDecision(e)
  if (e instanceof AuthError) return 'terminal'
  if (e instanceof CircuitOpenError) return 'retry' // nothing was sent
  if (e instanceof TransportError) return 'unknown'
  if (e instanceof PaypalApiError) {
    if (e.status === 429) return 'retry'
    const issue = e.body?.details?.[0]?.issue
    if (issue && PAYPAL_DECISIONS[issue]) return PAYPAL_DECISIONS[issue]
    const name = e.body?.name
    if (name && PAYPAL_DECISIONS[name]) return PAYPAL_DECISIONS[name]
    if (e.status >= 500) return 'unknown'
    return 'terminal'
  }
  return 'unknown'
}
