/**
 * Gateway uptime from the call log (gateway_calls), defined so that it measures the gateway and not our traffic:
 *
 * - Every recorded call is a signal. It says "up" when the gateway answered sensibly: outcome `ok`, or an HTTP
 *   error below 500 other than 429 (a 400/401/404 is the gateway working and refusing us). It says "down" on a
 *   timeout, a network error, a 5xx, a 429 (rate limited: the gateway is not serving us), or `circuit_open` (our
 *   breaker refused the call because the gateway had just been failing: a consequence of downtime).
 * - Time is cut into UTC minutes. A minute with calls is "down" when every call in it says down, otherwise "up"
 *   (one good answer proves the gateway was reachable that minute; a retried blip inside a good minute is not
 *   an outage). Minutes without calls say nothing and are left out.
 * - uptimePct = 100 * up minutes / minutes with calls; null when the window has no calls at all.
 *
 * Counting minutes rather than calls keeps a retry storm (many failing calls in one bad minute) from weighing
 * more than the quiet hour of good calls around it.
 */

export type CallOutcome =
  'ok' | 'http_error' | 'rate_limited' | 'timeout' | 'network_error' | 'circuit_open' | (string & {})

/** Calls grouped by minute and what they said, as the store aggregates them. */
export interface CallBucket {
  /** 'YYYY-MM-DDTHH:MM' (UTC) */
  minute: string
  outcome: CallOutcome
  /** '2xx' .. '5xx', or '429' on its own (it is a 4xx that means "not serving you"); null without a response. */
  statusGroup: string | null
  calls: number
}

/** Whether one call shows the gateway up. Unknown outcomes count as down: they are not a sensible answer. */
export function callShowsUp(outcome: CallOutcome, statusGroup: string | null): boolean {
  if (outcome === 'ok') return true
  if (outcome === 'http_error') return statusGroup === '4xx'
  return false
}

/** The statusGroup of an HTTP status, as the store groups it. */
export function statusGroupOf(status: number | null): string | null {
  if (status === null) return null
  return status === 429 ? '429' : `${Math.floor(status / 100)}xx`
}

/** A call that did not end in `ok` (any HTTP error, rate limit, timeout, network error or circuit refusal). */
function isError(outcome: CallOutcome): boolean {
  return outcome !== 'ok'
}

export interface UptimeSummary {
  calls: number
  errors: number
  minutesWithCalls: number
  downMinutes: number
  /** 0..100, null without calls. Exact ratio, not rounded. */
  uptimePct: number | null
}

export function summarizeUptime(buckets: readonly CallBucket[]): UptimeSummary {
  const minutes = new Map<string, boolean>() // minute -> some call said up
  let calls = 0
  let errors = 0
  for (const b of buckets) {
    if (b.calls <= 0) continue
    calls += b.calls
    if (isError(b.outcome)) errors += b.calls
    const up = callShowsUp(b.outcome, b.statusGroup)
    minutes.set(b.minute, (minutes.get(b.minute) ?? false) || up)
  }
  const minutesWithCalls = minutes.size
  const downMinutes = [...minutes.values()].filter((up) => !up).length
  const uptimePct = minutesWithCalls === 0 ? null : (100 * (minutesWithCalls - downMinutes)) / minutesWithCalls
  return {calls, errors, minutesWithCalls, downMinutes, uptimePct}
}
