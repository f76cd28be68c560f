import {type CardNetwork, CARD_NETWORKS} from '../../core/retry/card-network.js'
import {type RetryRules, type RetryVerdict} from '../../core/retry/classification.js'
import {cardAttemptOf, decideRetry} from '../../core/retry/decide-retry.js'
import {type CardAttempt, checkNetworkCaps} from '../../core/retry/network-caps.js'
import type {Failure} from '../../core/transaction.js'
import {dual} from '../../store/ops/dual.js'
import type {Ops} from '../../store/ops/op.js'
import {getProvider} from '../../store/repos/providers.js'
import {type CardRequest, cardRequests} from '../../store/repos/retries-attempts.js'
import {readRetryRules} from '../../store/repos/retry-rules.js'

/**
 * The engine's two questions to classification (docs/gateways.md#declines-and-retries): what retrying a failure
 * should do, and whether the card networks allow another attempt on a card now
 * (docs/gateways.md#card-network-caps). The rules are read in the caller's transaction, so a decision and the
 * overrides and settings it used are one snapshot.
 */

/** The longest window any cap counts over (Visa and Mastercard: 30 days). */
const CAPS_LOOKBACK_MS = 30 * 86_400_000

/**
 * The decision on a failure a gateway of `kind` reported at `at`. `history` is the card's attempts as the caps
 * count them, the failed one included. `rules`: ones the caller already read in this transaction.
 */
export const decideFailure = dual(function* decideFailure(
  kind: string,
  failure: Failure,
  history: readonly CardAttempt[],
  at: string,
  rules?: RetryRules,
): Ops<RetryVerdict> {
  return decideRetry(kind, failure, history, rules ?? (yield* readRetryRules.ops()), at)
})

/** The gateway kind of a provider id (a provider removed since keeps its id as the kind: no table then matches). */
export const kindOf = dual(function* kindOf(provider: string): Ops<string> {
  return (yield* getProvider.ops(provider))?.kind ?? provider
})

/**
 * The card's retry attempts at this provider within the caps' longest window, as of `at`; `except` leaves out an
 * attempt whose outcome the caller is about to record (it passes that one as it ended).
 */
export const cardHistory = dual(function* cardHistory(
  card: {provider: string; methodRef: string},
  at: string,
  except: number | null = null,
): Ops<CardAttempt[]> {
  const since = new Date(Date.parse(at) - CAPS_LOOKBACK_MS).toISOString()
  return (yield* cardRequests.ops(card.provider, card.methodRef, since))
    .filter((r) => r.id !== except)
    .map(toCardAttempt)
    .filter((a): a is CardAttempt => a !== null)
})

/** Why the networks refuse another attempt on this card at `at`, or null when they allow it. */
export const capsBlock = dual(function* capsBlock(
  card: {provider: string; methodRef: string},
  at: string,
): Ops<string | null> {
  const history = yield* cardHistory.ops(card, at)
  const cap = checkNetworkCaps(null, history, at, (yield* readRetryRules.ops()).network)
  if (cap.allowed) return null
  const until = cap.until === null ? 'not again on this card' : `not before ${cap.until}`
  return `${card.provider}: card network cap ${cap.rule}: ${cap.detail} (${until})`
})

function toCardAttempt(r: CardRequest): CardAttempt | null {
  const status = r.status === 'sending' ? 'unknown' : r.status
  const failure: Failure | null =
    status === 'failed'
      ? {
          code: 'retry-attempt',
          message: '',
          decision: 'retry',
          origin: r.origin ?? 'decline',
          network: networkOf(r.network),
          networkCode: r.networkCode ?? undefined,
          networkAdvice: r.networkAdvice ?? undefined,
        }
      : null
  return cardAttemptOf({at: r.startedAt, reattempt: true}, {status, failure})
}

function networkOf(value: string | null): CardNetwork | undefined {
  return CARD_NETWORKS.find((n) => n === value)
}
