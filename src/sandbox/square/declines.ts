import type {Decision} from '../../core/transaction.js'
import {DECLINE_REASONS, type DeclineReason} from '../model.js'
import type {DeclineInfo} from './record.js'

/** Square's code for each neutral decline reason, and what the adapter must decide for it (docs/gateways.md#square-declines). */
export const DECLINES: Record<DeclineReason, {code: string; decision: Decision}> = {
  insufficient_funds: {code: 'INSUFFICIENT_FUNDS', decision: 'retry'},
  generic: {code: 'GENERIC_DECLINE', decision: 'retry'},
  issuer_unavailable: {code: 'TEMPORARY_ERROR', decision: 'retry'},
  expired_card: {code: 'CARD_EXPIRED', decision: 'terminal'},
  stolen_card: {code: 'CARD_DECLINED_CALL_ISSUER', decision: 'terminal'},
}

/** The test nonces of Square's own sandbox, so code written against it behaves the same here. */
const SANDBOX_NONCE_DECLINES: Record<string, string> = {
  'cnon:card-nonce-declined': 'GENERIC_DECLINE',
  'cnon:card-nonce-rejected-cvv': 'CVV_FAILURE',
  'cnon:card-nonce-rejected-postalcode': 'ADDRESS_VERIFICATION_FAILURE',
  'cnon:card-nonce-rejected-expiration': 'INVALID_EXPIRATION',
}
const SANDBOX_NONCE_OK = new Set(['cnon:card-nonce-ok', 'ccof:customer-card-id-ok'])

export function declineInfo(code: string): DeclineInfo {
  return {
    code,
    category: code === 'TEMPORARY_ERROR' ? 'API_ERROR' : 'PAYMENT_METHOD_ERROR',
    detail: `Authorization error: '${code}'`,
  }
}

export type SourceVerdict =
  {kind: 'approved'} | {kind: 'declined'; reason: DeclineReason; decline: DeclineInfo} | {kind: 'not_found'}

/**
 * What CreatePayment does with a source_id, deterministically: a scenario customer's card on file and Square's
 * approving nonces succeed; Square's error nonces and `ccof:decline-<reason>` (a scenario decline reason, e.g.
 * ccof:decline-insufficient_funds) fail with the matching code; any other source is not found.
 */
export function judgeSource(source: string, isCardOnFile: (source: string) => boolean): SourceVerdict {
  const magic = /^ccof:decline-(.+)$/.exec(source)?.[1]
  if (magic !== undefined && (DECLINE_REASONS as readonly string[]).includes(magic)) {
    const reason = magic as DeclineReason
    return {kind: 'declined', reason, decline: declineInfo(DECLINES[reason].code)}
  }
  const nonceCode = SANDBOX_NONCE_DECLINES[source]
  if (nonceCode) return {kind: 'declined', reason: 'generic', decline: declineInfo(nonceCode)}
  return SANDBOX_NONCE_OK.has(source) || isCardOnFile(source) ? {kind: 'approved'} : {kind: 'not_found'}
}
