import {describe, expect, it} from 'vitest'

import {CircuitBreaker, type CircuitAdmission, type CircuitPermit} from '../../src/gateways/circuit-breaker.js'

function setup(threshold = 3, coolDownMs = 30_000) {
  let now = 1_000_000
  const breaker = new CircuitBreaker({clock: {now: () => now}, failureThreshold: threshold, coolDownMs})
  return {breaker, advance: (ms: number) => (now += ms), now: () => now}
}

function permit(a: CircuitAdmission): CircuitPermit {
  if (!a.admitted) throw new Error('expected admission')
  return a.permit
}

describe('CircuitBreaker', () => {
  it('opens after N consecutive failures and then refuses until the cool-down ends', () => {
    const {breaker, advance, now} = setup(3)
    permit(breaker.admit()).failure()
    permit(breaker.admit()).failure()
    expect(breaker.state()).toBe('closed')
    permit(breaker.admit()).failure()
    expect(breaker.state()).toBe('open')
    const openedAt = now()
    advance(29_999)
    expect(breaker.admit()).toEqual({admitted: false, retryAtMs: openedAt + 30_000})
    expect(breaker.snapshot()).toMatchObject({state: 'open', consecutiveFailures: 3, retryAtMs: openedAt + 30_000})
    advance(1)
    expect(breaker.state()).toBe('half_open')
  })

  it('a success resets the consecutive count', () => {
    const {breaker} = setup(3)
    permit(breaker.admit()).failure()
    permit(breaker.admit()).failure()
    permit(breaker.admit()).success()
    permit(breaker.admit()).failure()
    permit(breaker.admit()).failure()
    expect(breaker.state()).toBe('closed')
  })

  it('half-open admits exactly one probe; its success closes the breaker', () => {
    const {breaker, advance} = setup(1)
    permit(breaker.admit()).failure()
    advance(30_000)
    const probe = permit(breaker.admit())
    expect(probe.probe).toBe(true)
    expect(breaker.admit().admitted).toBe(false)
    probe.success()
    expect(breaker.snapshot()).toMatchObject({state: 'closed', consecutiveFailures: 0, openedAt: null})
    expect(breaker.admit().admitted).toBe(true)
  })

  it('a failed probe re-opens for a fresh cool-down', () => {
    const {breaker, advance, now} = setup(1)
    permit(breaker.admit()).failure()
    advance(30_000)
    permit(breaker.admit()).failure()
    expect(breaker.state()).toBe('open')
    expect(breaker.snapshot().retryAtMs).toBe(now() + 30_000)
  })

  it('a cancelled probe frees the slot for another', () => {
    const {breaker, advance} = setup(1)
    permit(breaker.admit()).failure()
    advance(30_000)
    permit(breaker.admit()).cancel()
    expect(breaker.state()).toBe('half_open')
    expect(permit(breaker.admit()).probe).toBe(true)
  })

  it('ignores outcomes of requests admitted before the last transition', () => {
    const {breaker, advance} = setup(1)
    const slow = permit(breaker.admit())
    permit(breaker.admit()).failure()
    expect(breaker.state()).toBe('open')
    slow.success() // started while closed; must not close an open breaker
    expect(breaker.state()).toBe('open')
    advance(30_000)
    const probe = permit(breaker.admit())
    probe.failure()
    probe.success() // settling twice is a no-op
    expect(breaker.state()).toBe('open')
  })
})
