import type {Decision} from '../transaction.js'
import {type RetryPolicy, scheduleSpanMs, slotDueAt} from './schedule.js'

/**
 * The retry engine's decisions, pure: where a chain goes after each attempt, and which processor takes an attempt.
 * The services around it gather the facts (outcomes, grants, payment methods, whether a gateway answers) and store
 * what these functions say.
 *
 * A chain is one failed payment being retried. Open: `queued` (waiting for its next slot) or `resolving` (an
 * attempt's outcome is unknown or pending at the gateway: nothing else is sent for the payment until it settles).
 * Finished: `recovered`; `exhausted` (every slot used); `stopped` (a retry met a hard decline, or the gateway says a
 * payment may already exist); `canceled` (by an admin); `superseded` (paid by other means, or the failed payment
 * itself turned out not to have failed).
 */
export const RETRY_STATUSES = [
  'queued',
  'resolving',
  'recovered',
  'exhausted',
  'stopped',
  'canceled',
  'superseded',
] as const
export type RetryStatus = (typeof RETRY_STATUSES)[number]

export const OPEN_STATUSES = ['queued', 'resolving'] as const satisfies readonly RetryStatus[]

export function isOpen(status: RetryStatus): boolean {
  return (OPEN_STATUSES as readonly RetryStatus[]).includes(status)
}

/**
 * One request for a chain. `sending` is written before the request goes out, so a process killed while sending
 * leaves a row that says so; `not_sent` is a request our own circuit breaker refused (nothing reached the gateway).
 */
export type AttemptStatus = 'sending' | 'unknown' | 'pending' | 'succeeded' | 'failed' | 'not_sent'

export type Next =
  | {status: 'recovered'}
  | {status: 'resolving'; at: number; reason: string}
  | {status: 'queued'; at: number; reason: string}
  | {status: 'exhausted' | 'stopped'; reason: string}

/**
 * Re-checks of an outcome that is not known, after Kill Bill's schedule (docs/gateways.md#retry-schedules): 15 s,
 * 1 min, 3 min, 1 h, then daily.
 */
const RECHECK_MS = [15_000, 60_000, 180_000, 3_600_000, 86_400_000] as const

export function recheckDelay(checks: number): number {
  return RECHECK_MS[Math.min(Math.max(checks, 0), RECHECK_MS.length - 1)]!
}

/**
 * How long after an attempt its request may be re-sent, unchanged and under the same key, to learn its outcome: the
 * shortest key lifetime any gateway documents (PayPal Orders v2: 6 hours; Stripe prunes keys after 24 hours, Adyen
 * keeps them 31 days; Square publishes none). Later, a re-sent request could be a new charge, so only look-ups and
 * the ledger may settle it (docs/gateways.md#unknown-outcomes).
 */
export const KEY_REPLAY_WINDOW_MS = 6 * 3_600_000

export function mayReplay(startedAtMs: number, nowMs: number): boolean {
  return nowMs - startedAtMs < KEY_REPLAY_WINDOW_MS
}

export interface AttemptResult {
  outcome: 'succeeded' | 'pending' | 'unknown' | 'failed'
  /** The gateway's decision for a failed attempt. */
  decision: Decision | null
  code: string | null
  /** The slot this attempt used (1-based). */
  slot: number
  /** Re-checks already made of this attempt (for unknown and pending). */
  checks: number
  /** The earliest next retry (epoch ms) when the gateway's advice or a card-network cap defers it; null: none. */
  notBefore?: number | null
}

/** Where a chain goes once an attempt has answered (or not). */
export function afterAttempt(result: AttemptResult, policy: RetryPolicy, nowMs: number): Next {
  switch (result.outcome) {
    case 'succeeded':
      return {status: 'recovered'}
    case 'pending':
      return {
        status: 'resolving',
        at: nowMs + recheckDelay(result.checks),
        reason: 'the gateway has not decided yet: waiting for its webhook or the next sync',
      }
    case 'unknown':
      return {
        status: 'resolving',
        at: nowMs + recheckDelay(result.checks),
        reason: 'outcome unknown: the gateway is asked before anything else is sent',
      }
    case 'failed':
      if (result.decision === 'terminal')
        return {status: 'stopped', reason: `hard decline on retry ${result.slot} (${result.code ?? 'no code'})`}
      if (result.decision === 'unknown')
        return {
          status: 'stopped',
          reason: `the gateway says a payment may already exist (${result.code ?? 'no code'}): check before charging again`,
        }
      return afterSlot(
        result.slot,
        policy,
        nowMs,
        `retry ${result.slot} declined (${result.code ?? 'no code'})`,
        result.notBefore,
      )
  }
}

/** After a slot that did not recover the payment (declined, or no processor could take it): the next slot or the end. */
export function afterSlot(
  slot: number,
  policy: RetryPolicy,
  nowMs: number,
  why: string,
  notBefore: number | null = null,
): Next {
  if (slot >= policy.maxRetries) return {status: 'exhausted', reason: `${why}; all ${policy.maxRetries} retries used`}
  return {status: 'queued', at: Math.max(slotDueAt(policy, slot + 1, nowMs), notBefore ?? 0), reason: why}
}

type QueueVerdict = {queue: true; at: number} | {queue: false; reason: string}

/**
 * Whether a failed payment enters the queue, and when its first retry falls due: the first delay after the failure,
 * or at once when yms-pay learns of the failure later than that. A failure older than the whole schedule is history
 * (a first sync backfilling months): never retried.
 */
export function queueVerdict(
  failure: {decision: Decision; occurredAtMs: number; notBefore?: number | null},
  policy: RetryPolicy,
  nowMs: number,
): QueueVerdict {
  if (failure.decision !== 'retry') return {queue: false, reason: `decision is ${failure.decision}`}
  if (policy.maxRetries === 0) return {queue: false, reason: 'retries are off for the provider (--max-retries 0)'}
  if (nowMs - failure.occurredAtMs > scheduleSpanMs(policy))
    return {queue: false, reason: `older than the retry schedule (${policy.schedule})`}
  return {queue: true, at: Math.max(slotDueAt(policy, 1, failure.occurredAtMs), nowMs, failure.notBefore ?? 0)}
}

/** What the engine knows about one processor for one attempt. */
export interface RouteCandidate {
  provider: string
  /**
   * Why it may not take this customer's payment (no write grant for the segment and site, no payment method or
   * gateway customer id, cannot create payments), or null.
   */
  blocked: string | null
  /** Why it cannot take any payment now (disabled, its circuit open, it did not answer a probe), or null. */
  unavailable: string | null
}

export type Route =
  | {route: 'primary' | 'fallback'; provider: string; reason: string}
  | {route: 'wait'; reason: string}
  | {route: 'ask_fallback'; reason: string}

/**
 * The primary takes the attempt when it can. A configuration problem at the primary (no grant, no payment method)
 * waits for an admin rather than moving the customer's money elsewhere; only a primary that is unavailable (down,
 * disabled) lets a fallback be asked (docs/architecture.md, "Retries").
 */
export function routeToPrimary(primary: RouteCandidate): Route {
  if (primary.blocked) return {route: 'wait', reason: `${primary.provider}: ${primary.blocked}`}
  if (primary.unavailable) return {route: 'ask_fallback', reason: `${primary.provider} ${primary.unavailable}`}
  return {route: 'primary', provider: primary.provider, reason: `${primary.provider} is up`}
}

/** Whether the fallback takes an attempt the primary cannot: only with a grant, a payment method, and up. */
export function routeToFallback(primaryReason: string, fallback: RouteCandidate | null): Route {
  if (fallback === null) return {route: 'wait', reason: `${primaryReason}; no fallback is configured`}
  if (fallback.blocked)
    return {route: 'wait', reason: `${primaryReason}; fallback ${fallback.provider} not used: ${fallback.blocked}`}
  if (fallback.unavailable)
    return {route: 'wait', reason: `${primaryReason}; fallback ${fallback.provider} ${fallback.unavailable} too`}
  return {
    route: 'fallback',
    provider: fallback.provider,
    reason: `${primaryReason}; fallback ${fallback.provider} has a write grant and the customer's payment method`,
  }
}
