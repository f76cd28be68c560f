import {describe, expect, it} from 'vitest'

import {callShowsUp, statusGroupOf, summarizeUptime, type CallBucket} from '../../src/core/uptime.js'

const b = (minute: string, outcome: string, status: number | null, calls = 1): CallBucket => ({
  minute: `2026-03-01T10:${minute}`,
  outcome,
  statusGroup: statusGroupOf(status),
  calls,
})

describe('gateway uptime by minute', () => {
  it('classifies single calls: answers are up, transport failures, 5xx, 429 and circuit refusals are down', () => {
    expect(callShowsUp('ok', '2xx')).toBe(true)
    expect(callShowsUp('http_error', statusGroupOf(401))).toBe(true)
    expect(callShowsUp('http_error', statusGroupOf(404))).toBe(true)
    expect(callShowsUp('http_error', statusGroupOf(503))).toBe(false)
    expect(callShowsUp('http_error', statusGroupOf(429))).toBe(false) // even if logged as an http_error
    expect(callShowsUp('rate_limited', statusGroupOf(429))).toBe(false)
    expect(callShowsUp('timeout', null)).toBe(false)
    expect(callShowsUp('network_error', null)).toBe(false)
    expect(callShowsUp('circuit_open', null)).toBe(false)
    expect(callShowsUp('something_new', null)).toBe(false)
  })

  it('a minute is down only when every call in it failed; uptime = up minutes / minutes with calls', () => {
    const buckets = [
      // 10:00 up: a 503 retried into a 200 in the same minute is a blip, not an outage
      b('00', 'http_error', 503, 2),
      b('00', 'ok', 200),
      // 10:01 down: timeouts, then the breaker refusing
      b('01', 'timeout', null, 3),
      b('01', 'circuit_open', null, 5),
      // 10:02 up: the gateway refused our credentials, but it answered
      b('02', 'http_error', 401),
      // 10:03 down: rate limited throughout
      b('03', 'rate_limited', 429, 4),
      // 10:04 no calls: says nothing; 10:05 up
      b('05', 'ok', 200, 10),
    ]
    const s = summarizeUptime(buckets)
    expect(s).toEqual({
      calls: 2 + 1 + 3 + 5 + 1 + 4 + 10,
      errors: 2 + 3 + 5 + 1 + 4,
      minutesWithCalls: 5,
      downMinutes: 2,
      uptimePct: 60,
    })
  })

  it('no calls: uptime unknown (null), not 0 or 100', () => {
    expect(summarizeUptime([])).toEqual({calls: 0, errors: 0, minutesWithCalls: 0, downMinutes: 0, uptimePct: null})
  })

  it('a retry storm in one bad minute weighs one minute, not one call each', () => {
    const buckets = [b('00', 'network_error', null, 500), ...['01', '02', '03'].map((m) => b(m, 'ok', 200))]
    expect(summarizeUptime(buckets).uptimePct).toBe(75)
  })
})
