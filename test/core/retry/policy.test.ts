import {describe, expect, it} from 'vitest'

import {
  afterAttempt,
  afterSlot,
  KEY_REPLAY_WINDOW_MS,
  mayReplay,
  queueVerdict,
  recheckDelay,
  routeToFallback,
  routeToPrimary,
} from '../../../src/core/retry/policy.js'
import {retryPolicy} from '../../../src/core/retry/schedule.js'

const MIN = 60_000
const policy = retryPolicy({retrySchedule: '5m,30m,2h', maxRetries: 3})
const T = Date.parse('2026-03-01T10:00:00Z')

describe('what enters the queue', () => {
  it('a retry decision, due one delay after the failure, or at once when learned late', () => {
    expect(queueVerdict({decision: 'retry', occurredAtMs: T}, policy, T + MIN)).toEqual({queue: true, at: T + 5 * MIN})
    expect(queueVerdict({decision: 'retry', occurredAtMs: T}, policy, T + 20 * MIN)).toEqual({
      queue: true,
      at: T + 20 * MIN,
    })
  })

  it('never a terminal or unknown decision, nothing when retries are off, no failure older than the schedule', () => {
    expect(queueVerdict({decision: 'terminal', occurredAtMs: T}, policy, T).queue).toBe(false)
    expect(queueVerdict({decision: 'unknown', occurredAtMs: T}, policy, T).queue).toBe(false)
    expect(queueVerdict({decision: 'retry', occurredAtMs: T}, {...policy, maxRetries: 0}, T).queue).toBe(false)
    const span = (5 + 30 + 120) * MIN
    expect(queueVerdict({decision: 'retry', occurredAtMs: T}, policy, T + span).queue).toBe(true)
    expect(queueVerdict({decision: 'retry', occurredAtMs: T}, policy, T + span + 1)).toEqual({
      queue: false,
      reason: 'older than the retry schedule (5m,30m,2h)',
    })
  })
})

describe('after an attempt', () => {
  const result = (o: Partial<Parameters<typeof afterAttempt>[0]>) =>
    afterAttempt(
      {outcome: 'failed', decision: 'retry', code: 'insufficient_funds', slot: 1, checks: 0, ...o},
      policy,
      T,
    )

  it('a soft decline waits for the next slot; the last one exhausts the chain', () => {
    expect(result({slot: 1})).toMatchObject({status: 'queued', at: T + 30 * MIN})
    expect(result({slot: 2})).toMatchObject({status: 'queued', at: T + 120 * MIN})
    expect(result({slot: 3})).toMatchObject({status: 'exhausted'})
  })

  it('a hard decline stops at once; so does a decline saying a payment may already exist', () => {
    expect(result({decision: 'terminal', code: 'stolen_card'})).toEqual({
      status: 'stopped',
      reason: 'hard decline on retry 1 (stolen_card)',
    })
    expect(result({decision: 'unknown', code: 'duplicate_transaction'}).status).toBe('stopped')
  })

  it('success recovers; unknown and pending wait, re-checked on Kill Bill’s schedule', () => {
    expect(result({outcome: 'succeeded', decision: null})).toEqual({status: 'recovered'})
    expect(result({outcome: 'unknown', decision: null, checks: 0})).toMatchObject({status: 'resolving', at: T + 15_000})
    expect(result({outcome: 'pending', decision: null, checks: 3})).toMatchObject({
      status: 'resolving',
      at: T + 60 * MIN,
    })
    expect([0, 1, 2, 3, 4, 9].map(recheckDelay)).toEqual([15_000, MIN, 3 * MIN, 60 * MIN, 1440 * MIN, 1440 * MIN])
  })

  it('a slot no processor could take moves on like a decline', () => {
    expect(afterSlot(2, policy, T, 'no route')).toEqual({status: 'queued', at: T + 120 * MIN, reason: 'no route'})
    expect(afterSlot(3, policy, T, 'no route').status).toBe('exhausted')
  })

  it('re-sends a request under its key only while every gateway still keeps keys', () => {
    expect(mayReplay(T, T + KEY_REPLAY_WINDOW_MS - 1)).toBe(true)
    expect(mayReplay(T, T + KEY_REPLAY_WINDOW_MS)).toBe(false)
  })
})

describe('routing', () => {
  const up = {provider: 'p', blocked: null, unavailable: null}
  const fb = {provider: 'f', blocked: null, unavailable: null}

  it('the primary when it is up; a configuration problem there waits rather than moving the money', () => {
    expect(routeToPrimary(up)).toEqual({route: 'primary', provider: 'p', reason: 'p is up'})
    expect(routeToPrimary({...up, blocked: 'has no write grant'})).toEqual({
      route: 'wait',
      reason: 'p: has no write grant',
    })
  })

  it('the fallback only when the primary is unavailable and the fallback qualifies and is up', () => {
    const down = routeToPrimary({...up, unavailable: 'failed its probe'})
    expect(down).toEqual({route: 'ask_fallback', reason: 'p failed its probe'})
    expect(routeToFallback(down.reason, fb)).toMatchObject({route: 'fallback', provider: 'f'})
    expect(routeToFallback(down.reason, null)).toMatchObject({route: 'wait'})
    expect(routeToFallback(down.reason, {...fb, blocked: 'has no write grant'})).toEqual({
      route: 'wait',
      reason: 'p failed its probe; fallback f not used: has no write grant',
    })
    expect(routeToFallback(down.reason, {...fb, unavailable: 'is disabled'}).route).toBe('wait')
  })
})
