import {describe, expect, it} from 'vitest'

import type {RetryRules} from '../../../src/core/retry/classification.js'
import {cardAttemptOf, decideRetry} from '../../../src/core/retry/decide-retry.js'
import type {CardAttempt} from '../../../src/core/retry/network-caps.js'
import {DEFAULT_NETWORK_RULES} from '../../../src/core/retry/network-rules.js'
import type {Failure} from '../../../src/core/transaction.js'

const HOUR = 3_600_000
const T0 = Date.parse('2026-03-01T00:00:00.000Z')
const iso = (ms: number) => new Date(ms).toISOString()
const RULES: RetryRules = {overrides: new Map(), network: DEFAULT_NETWORK_RULES}
const soft: Failure = {
  code: 'insufficient_funds',
  message: '',
  decision: 'retry',
  basis: 'table',
  network: 'mastercard',
}

describe('decideRetry: the failure, then the card-network caps on top', () => {
  it('a retryable decline on a card at its cap is deferred until the cap frees up', () => {
    const history: CardAttempt[] = Array.from({length: 10}, (_, i) => ({
      at: iso(T0 + i * HOUR),
      outcome: 'declined',
      reattempt: i > 0,
    }))
    const v = decideRetry('stripe', soft, history, RULES, iso(T0 + 9 * HOUR))
    expect(v).toEqual({
      decision: 'retry',
      reason: 'cap:mastercard-declines-24h',
      unmapped: false,
      notBefore: iso(T0 + 24 * HOUR),
    })
    expect(decideRetry('stripe', soft, history.slice(0, 9), RULES, iso(T0 + 9 * HOUR))).toMatchObject({
      reason: 'table:insufficient_funds',
      notBefore: null,
    })
  })

  it('a card stopped for good (an earlier category-1 decline) makes even a soft decline terminal', () => {
    const visa: Failure = {...soft, network: 'visa'}
    const history: CardAttempt[] = [
      {at: iso(T0), outcome: 'declined', reattempt: false, networkCode: '43'},
      {at: iso(T0 + HOUR), outcome: 'declined', reattempt: true, networkCode: '51'},
    ]
    expect(decideRetry('stripe', visa, history, RULES, iso(T0 + HOUR))).toMatchObject({
      decision: 'terminal',
      reason: 'cap:visa-category-1',
    })
  })

  it('a hard decline is terminal before any cap is looked at', () => {
    const hard: Failure = {
      code: 'stolen_card',
      message: '',
      decision: 'terminal',
      basis: 'advice',
      advice: 'do_not_try_again',
    }
    expect(decideRetry('stripe', hard, [], RULES, iso(T0))).toMatchObject({
      decision: 'terminal',
      reason: 'advice:do_not_try_again',
    })
  })

  it('network advice to wait and a cap: the later of the two', () => {
    const wait: Failure = {...soft, networkAdvice: '26'} // 2 days
    const history: CardAttempt[] = Array.from({length: 10}, (_, i) => ({
      at: iso(T0 + i * HOUR),
      outcome: 'declined',
      reattempt: true,
    }))
    expect(decideRetry('stripe', wait, history, RULES, iso(T0 + 9 * HOUR)).notBefore).toBe(
      iso(T0 + 9 * HOUR + 48 * HOUR),
    )
  })
})

describe('cardAttemptOf', () => {
  const attempt = {at: iso(T0), reattempt: true}
  it('maps outcomes to card history entries; a failed request is no attempt on the card', () => {
    expect(cardAttemptOf(attempt, {status: 'succeeded'})).toEqual({...attempt, outcome: 'approved'})
    expect(cardAttemptOf(attempt, {status: 'unknown'})).toEqual({...attempt, outcome: 'unknown'})
    expect(
      cardAttemptOf(attempt, {status: 'failed', failure: {...soft, networkCode: '51', networkAdvice: '02'}}),
    ).toEqual({...attempt, outcome: 'declined', network: 'mastercard', networkCode: '51', networkAdvice: '02'})
    expect(
      cardAttemptOf(attempt, {
        status: 'failed',
        failure: {code: 'rate_limit', message: '', decision: 'retry', origin: 'request'},
      }),
    ).toBeNull()
  })
})
