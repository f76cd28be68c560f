import type {Decision, FailureVerdict} from '../../core/transaction.js'
import {AuthError} from '../../core/errors.js'
import {CircuitOpenError, TransportError} from '../http.js'
import {BraintreeApiError} from './api-error.js'

/**
 * Braintree's gateway-status map (docs/gateways.md#braintree-declines). Order of precedence:
 * 1. codes whose outcome the table pins regardless of the soft/hard column (2016 duplicate: look first);
 * 2. Braintree's own `processor_response_type` (soft_declined -> retry, hard_declined -> terminal);
 * 3. the code table; 4. an unmapped decline is terminal.
 */
const PROCESSOR_CODES: Readonly<Record<string, Decision>> = {
  '2000': 'retry', // Do Not Honor (soft)
  '2001': 'retry', // Insufficient Funds
  '2002': 'retry', // Limit Exceeded
  '2003': 'retry', // Activity Limit Exceeded
  '2004': 'terminal', // Expired Card
  '2005': 'terminal', // Invalid Card Number
  '2006': 'terminal', // Invalid Expiration Date
  '2007': 'terminal', // No Account
  '2010': 'terminal', // Card Issuer Declined CVV ⚠
  '2012': 'terminal', // Processor Declined – Possible Lost Card
  '2013': 'terminal', // Processor Declined – Possible Stolen Card
  '2053': 'terminal', // Card reported lost or stolen
  '2014': 'terminal', // Fraud Suspected
  '2015': 'terminal', // Transaction Not Allowed ⚠
  '2016': 'unknown', // Duplicate Transaction: the original may have gone through
  '2017': 'terminal', // Cardholder Stopped Billing
  '2018': 'terminal', // Cardholder Stopped All Billing
  '2022': 'terminal', // Updated Cardholder Available: get the new card
  '2038': 'retry', // Processor Declined (soft)
  '2041': 'terminal', // Declined – Call For Approval ⚠
  '2043': 'terminal', // Error – Do Not Retry, Call Issuer
  '2044': 'terminal', // Declined – Call Issuer ⚠
  '2046': 'retry', // Declined (soft)
  '2047': 'terminal', // Call Issuer. Pick Up Card.
  '2057': 'retry', // Issuer or Cardholder has put a restriction on the card (capped by the network caps)
  '3000': 'retry', // Processor Network Unavailable – Try Again
}

/** Codes where the table overrides Braintree's soft/hard column. */
const PINNED: ReadonlySet<string> = new Set(['2016', '3000'])

const GATEWAY_REJECTIONS: Readonly<Record<string, Decision>> = {
  avs: 'terminal',
  avs_and_cvv: 'terminal',
  cvv: 'terminal',
  fraud: 'terminal',
  risk_threshold: 'terminal',
  three_d_secure: 'terminal',
  excessive_retry: 'terminal',
  application_incomplete: 'terminal',
  token_issuance: 'terminal',
  duplicate: 'unknown',
}

/** A processor decline (processor-response-code, and processor-response-type when the gateway sent one). */
export function processorVerdict(code: string, responseType?: string | null): FailureVerdict {
  if (PINNED.has(code)) return {decision: PROCESSOR_CODES[code] as Decision, basis: 'table'}
  if (responseType === 'soft_declined') return {decision: 'retry', basis: 'advice'}
  if (responseType === 'hard_declined') return {decision: 'terminal', basis: 'advice'}
  const mapped = PROCESSOR_CODES[code]
  return mapped ? {decision: mapped, basis: 'table'} : {decision: 'terminal', basis: 'unmapped'}
}

export function processorDecision(code: string, responseType?: string | null): Decision {
  return processorVerdict(code, responseType).decision
}

export function gatewayRejectionVerdict(reason: string | null | undefined): FailureVerdict {
  const mapped = reason ? GATEWAY_REJECTIONS[reason] : undefined
  return mapped ? {decision: mapped, basis: 'table'} : {decision: 'terminal', basis: 'unmapped'}
}

export function gatewayRejectionDecision(reason: string | null | undefined): Decision {
  return gatewayRejectionVerdict(reason).decision
}

/** A failure code as translate.ts writes it: `2001`, `gateway_rejected:avs`, `failed`. */
function failureCodeDecision(code: string): Decision {
  if (/^\d{4}$/.test(code)) return processorDecision(code)
  if (code.startsWith('gateway_rejected:')) return gatewayRejectionDecision(code.slice('gateway_rejected:'.length))
  if (code in GATEWAY_REJECTIONS) return gatewayRejectionDecision(code)
  // `failed`: the processor was not reached properly, nothing was charged.
  if (code === 'failed') return 'retry'
  return 'terminal'
}

export function classifyBraintreeError(e: unknown): Decision {
  if (typeof e === 'string') return failureCodeDecision(e)
  if (e instanceof CircuitOpenError) return 'retry' // nothing was sent
  if (e instanceof TransportError) {
    // A refused connection or an unresolved host never reached Braintree; anything else may have.
    return e.reason === 'refused' || e.reason === 'dns' ? 'retry' : 'unknown'
  }
  if (e instanceof AuthError) return 'terminal'
  if (e instanceof BraintreeApiError) {
    if (e.status === 429) return 'retry'
    if (e.status === 408 || e.status >= 500) return 'unknown'
    return 'terminal' // 4xx, 422 validation: the same request fails the same way
  }
  return 'unknown'
}
