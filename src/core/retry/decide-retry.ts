import type {Failure} from '../transaction.js'
import {classifyFailure, type RetryRules, type RetryVerdict} from './classification.js'
import {type CardAttempt, checkNetworkCaps} from './network-caps.js'

/**
 * The retry engine's one question after a failed attempt: retry (and not before when), terminal, or unknown
 * (resolve the outcome first). classifyFailure decides the failure itself; the card-network rules then apply on
 * top, per card, over `history`: every attempt on this card (the one that just failed included). A card the rules
 * stop for good makes the failure terminal; a cap that frees up later defers the retry (`notBefore`).
 *
 * Before SENDING a scheduled retry the engine calls checkNetworkCaps again with the history as it is then: other
 * payments on the same card may have been attempted in between.
 */
export function decideRetry(
  kind: string,
  failure: Failure,
  history: readonly CardAttempt[],
  rules: RetryRules,
  at: string,
): RetryVerdict {
  const verdict = classifyFailure(kind, failure, rules, at)
  if (verdict.decision !== 'retry') return verdict
  const cap = checkNetworkCaps(failure.network ?? null, history, at, rules.network)
  if (cap.allowed) return verdict
  if (cap.until === null) return {...verdict, decision: 'terminal', reason: `cap:${cap.rule}`, notBefore: null}
  const notBefore = verdict.notBefore !== null && verdict.notBefore > cap.until ? verdict.notBefore : cap.until
  return {...verdict, reason: `cap:${cap.rule}`, notBefore}
}

/**
 * One attempt's entry in its card's history, from what the attempt ended as: a success or pending payment is
 * approved; a failure of origin `request` never reached the card (null: leave it out); no answer is `unknown`.
 */
export function cardAttemptOf(
  attempt: {at: string; reattempt: boolean},
  outcome: {status: 'succeeded' | 'pending' | 'failed' | 'unknown'; failure?: Failure | null},
): CardAttempt | null {
  const {failure} = outcome
  if (outcome.status === 'failed' && (failure?.origin ?? 'decline') === 'request') return null
  const result: CardAttempt = {
    at: attempt.at,
    reattempt: attempt.reattempt,
    outcome: outcome.status === 'failed' ? 'declined' : outcome.status === 'unknown' ? 'unknown' : 'approved',
  }
  if (failure?.network) result.network = failure.network
  if (failure?.networkCode) result.networkCode = failure.networkCode
  if (failure?.networkAdvice) result.networkAdvice = failure.networkAdvice
  return result
}
