import {describe, expect, it} from 'vitest'

import {StripeApiError} from '../../../src/gateways/stripe/api-error.js'
import {
  classifyDecline,
  classifyStripeError,
  declineFailure,
  declineVerdict,
} from '../../../src/gateways/stripe/classify.js'
import {CircuitOpenError, TransportError} from '../../../src/gateways/http.js'

describe('Stripe gateway-status map (docs/gateways.md#stripe-declines)', () => {
  it.each([
    ['insufficient_funds', 'retry'],
    ['generic_decline', 'retry'],
    ['issuer_not_available', 'retry'],
    ['card_velocity_exceeded', 'retry'],
    ['expired_card', 'terminal'],
    ['stolen_card', 'terminal'],
    ['authentication_required', 'terminal'],
    ['do_not_try_again', 'terminal'],
    ['duplicate_transaction', 'unknown'],
    ['some_code_stripe_adds_next_year', 'terminal'],
  ] as const)('decline %s -> %s', (code, decision) => {
    expect(classifyDecline(code)).toBe(decision)
    expect(classifyStripeError(code)).toBe(decision)
  })

  it('the advice code wins over the decline code', () => {
    expect(classifyDecline('generic_decline', 'do_not_try_again')).toBe('terminal')
    expect(classifyDecline('some_new_code', 'try_again_later')).toBe('retry')
    expect(classifyDecline('insufficient_funds', 'confirm_card_data')).toBe('terminal')
  })

  const api = (status: number, rest: Partial<ConstructorParameters<typeof StripeApiError>[1]> = {}) =>
    new StripeApiError('x', {status, ...rest})
  it('maps API errors by type, code and status', () => {
    expect(
      classifyStripeError(api(402, {type: 'card_error', code: 'card_declined', declineCode: 'insufficient_funds'})),
    ).toBe('retry')
    expect(classifyStripeError(api(402, {type: 'card_error', code: 'expired_card', declineCode: 'expired_card'}))).toBe(
      'terminal',
    )
    expect(classifyStripeError(api(402, {type: 'card_error', code: 'card_declined'}))).toBe('terminal')
    expect(classifyStripeError(api(429, {type: 'rate_limit_error'}))).toBe('retry')
    expect(classifyStripeError(api(400, {type: 'invalid_request_error', code: 'rate_limit'}))).toBe('retry')
    expect(classifyStripeError(api(409, {type: 'idempotency_error', code: 'idempotency_key_in_use'}))).toBe('retry')
    expect(classifyStripeError(api(400, {type: 'idempotency_error'}))).toBe('terminal')
    expect(classifyStripeError(api(500, {type: 'api_error'}))).toBe('unknown')
    expect(classifyStripeError(api(503))).toBe('unknown')
    expect(classifyStripeError(api(400, {type: 'invalid_request_error', code: 'resource_missing'}))).toBe('terminal')
  })

  it('a network failure is unknown; an open circuit (nothing sent) is retry', () => {
    expect(classifyStripeError(new TransportError('reset', 'network_error'))).toBe('unknown')
    expect(classifyStripeError(new CircuitOpenError('stripe', 0))).toBe('retry')
    expect(classifyStripeError(new Error('?'))).toBe('unknown')
  })
})

describe('Stripe verdicts and failures for the retry engine', () => {
  it('say whether the advice, the table or nothing decided', () => {
    expect(declineVerdict('generic_decline', 'do_not_try_again')).toEqual({decision: 'terminal', basis: 'advice'})
    expect(declineVerdict('generic_decline', 'an_advice_stripe_adds_later')).toEqual({
      decision: 'retry',
      basis: 'table',
    })
    expect(declineVerdict('some_code_stripe_adds_next_year')).toEqual({decision: 'terminal', basis: 'unmapped'})
  })

  it('a decline carries the advice, the brand as a network and the network codes as Stripe sent them', () => {
    expect(
      declineFailure({
        code: 'insufficient_funds',
        message: 'Your card has insufficient funds.',
        advice: 'try_again_later',
        networkCode: '51',
        networkAdvice: '02',
        brand: 'visa',
      }),
    ).toEqual({
      code: 'insufficient_funds',
      message: 'Your card has insufficient funds.',
      decision: 'retry',
      basis: 'advice',
      origin: 'decline',
      advice: 'try_again_later',
      network: 'visa',
      networkCode: '51',
      networkAdvice: '02',
    })
    expect(declineFailure({code: 'card_declined', message: 'x', brand: 'unknown'})).toEqual({
      code: 'card_declined',
      message: 'x',
      decision: 'terminal',
      basis: 'unmapped',
      origin: 'decline',
    })
  })
})
