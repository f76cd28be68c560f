/**
 * When a failed delivery is tried again: Svix's schedule, which the Standard Webhooks spec cites
 * (docs/alerts.md#retries): immediately, then 5 s, 5 min, 30 min, 2 h, 5 h, 10 h and 10 h after each failure, about
 * 27 h in all. A receiver's Retry-After is honoured: the next attempt is never earlier than it asks, up to a day.
 */
const SECOND = 1000
const MINUTE = 60 * SECOND
const HOUR = 60 * MINUTE

/** Delay before attempt n+1 after attempt n failed; the first attempt goes as soon as the alert is raised. */
export const RETRY_DELAYS_MS: readonly number[] = [
  5 * SECOND,
  5 * MINUTE,
  30 * MINUTE,
  2 * HOUR,
  5 * HOUR,
  10 * HOUR,
  10 * HOUR,
]

/** Attempts in all, the first included. */
export const MAX_ATTEMPTS = RETRY_DELAYS_MS.length + 1

/** A Retry-After beyond this is read as this: a receiver cannot park an alert for longer than a day. */
const MAX_RETRY_AFTER_MS = 24 * HOUR

/**
 * When to try again after the `attempts`-th attempt (1 = the first) failed at `nowMs`; null once every attempt is
 * spent (the delivery is given up).
 */
export function nextAttemptMs(attempts: number, nowMs: number, retryAfterMs: number | null): number | null {
  const delay = RETRY_DELAYS_MS[attempts - 1]
  if (delay === undefined) return null
  const asked = retryAfterMs === null ? 0 : Math.min(retryAfterMs, MAX_RETRY_AFTER_MS)
  return nowMs + Math.max(delay, asked)
}
