/**
 * Retry timing, pure (no clock, no timers): the client passes in `now` and `random`.
 *
 * Full jitter (AWS architecture blog "Exponential Backoff and Jitter"): spreading retries uniformly over
 * [0, ceiling) de-synchronises many clients hitting a struggling gateway better than stripe-node's
 * half-jitter, while the base/cap defaults are stripe-node's (0.5 s, 5 s).
 */
export const DEFAULT_BACKOFF_BASE_MS = 500
export const DEFAULT_BACKOFF_CAP_MS = 5_000
/** A Retry-After beyond this is "come back much later": the response is returned instead of waiting. */
export const DEFAULT_MAX_RETRY_AFTER_MS = 60_000

export interface BackoffOptions {
  baseMs: number
  capMs: number
}

/**
 * Delay before retry number `retry` (0 for the first retry, 1 for the second, ...):
 * `random() * min(cap, base * 2^retry)`. `random` must return a value in [0, 1).
 */
export function fullJitterDelayMs(retry: number, opts: BackoffOptions, random: () => number): number {
  const ceiling = Math.min(opts.capMs, opts.baseMs * 2 ** retry)
  return random() * ceiling
}

/**
 * `Retry-After` as a delay in ms from `nowMs`, or null when absent or unparsable (RFC 9110 §10.2.3:
 * delay-seconds or an HTTP-date). A date in the past means "now" (0).
 */
export function parseRetryAfterMs(value: string | undefined, nowMs: number): number | null {
  if (value === undefined) return null
  const trimmed = value.trim()
  if (trimmed === '') return null
  if (/^\d+$/.test(trimmed)) return Number(trimmed) * 1000
  // Only date forms: Date.parse would otherwise accept things like "5.5" or "-1" as years.
  if (!/[a-z]/i.test(trimmed)) return null
  const at = Date.parse(trimmed)
  if (Number.isNaN(at)) return null
  return Math.max(0, at - nowMs)
}
