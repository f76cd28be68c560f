import {parseSchedule} from '../duration.js'

/**
 * A provider's retry schedule (`providers add|update --retry-schedule 5m,30m,2h,1d --max-retries N`): the delay
 * before each retry of a failed payment. Delay 1 is counted from the failure, delay k from the end of attempt k-1,
 * so a schedule is followed exactly whatever time each attempt took. A schedule shorter than --max-retries repeats
 * its last delay.
 *
 * The default (docs/gateways.md#retry-schedules): four retries over about nine days. Stripe's Smart Retries
 * recommend 8 tries within 2 weeks and Recurly retries soft declines every 2 days; four spread out over a week keep
 * far inside every card network's reattempt caps (docs/gateways.md#card-network-caps) while giving an issuer's
 * "insufficient funds" a payday to clear.
 */
export const DEFAULT_RETRY_SCHEDULE = '1h,1d,3d,5d'
export const DEFAULT_MAX_RETRIES = 4

export interface RetryPolicy {
  /** As configured, or the default: for messages and the audit log. */
  schedule: string
  delaysMs: readonly number[]
  /** Retries per failed payment; 0 switches retries off for the provider. */
  maxRetries: number
}

/** The policy a provider's stored settings describe (null: the default). */
export function retryPolicy(config: {retrySchedule: string | null; maxRetries: number | null}): RetryPolicy {
  const schedule = config.retrySchedule ?? DEFAULT_RETRY_SCHEDULE
  return {
    schedule,
    delaysMs: parseSchedule(schedule, '--retry-schedule'),
    maxRetries: config.maxRetries ?? DEFAULT_MAX_RETRIES,
  }
}

/** The delay before retry number `slot` (1-based). */
export function delayBefore(policy: RetryPolicy, slot: number): number {
  if (!Number.isInteger(slot) || slot < 1) throw new RangeError(`retry slots count from 1, got ${slot}`)
  const delays = policy.delaysMs
  return delays[Math.min(slot, delays.length) - 1]!
}

/** When retry `slot` falls due: its delay after the failure (slot 1) or after the end of the previous attempt. */
export function slotDueAt(policy: RetryPolicy, slot: number, previousEndMs: number): number {
  return previousEndMs + delayBefore(policy, slot)
}

/**
 * The longest a chain takes from its failure to its last slot. A failure older than this when yms-pay first sees it
 * (a first sync backfilling months of history) is history, not work: it never enters the queue.
 */
export function scheduleSpanMs(policy: RetryPolicy): number {
  let span = 0
  for (let slot = 1; slot <= policy.maxRetries; slot++) span += delayBefore(policy, slot)
  return span
}
