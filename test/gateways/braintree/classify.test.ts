import {describe, expect, it} from 'vitest'

import {BraintreeApiError} from '../../../src/gateways/braintree/api-error.js'
import {
  classifyBraintreeError,
  gatewayRejectionVerdict,
  processorDecision,
  processorVerdict,
} from '../../../src/gateways/braintree/classify.js'
import {createBraintreeEmulator} from '../../../src/sandbox/braintree/emulator.js'
import {CircuitOpenError, TransportError} from '../../../src/gateways/http.js'
import {DECLINE_REASONS} from '../../../src/sandbox/model.js'
import {mutableClock, scenario} from './helpers.js'

describe('Braintree gateway-status map (docs/gateways.md#braintree-declines)', () => {
  it.each([
    ['2000', 'retry'],
    ['2001', 'retry'],
    ['2002', 'retry'],
    ['2004', 'terminal'],
    ['2005', 'terminal'],
    ['2012', 'terminal'],
    ['2013', 'terminal'],
    ['2014', 'terminal'],
    ['2016', 'unknown'],
    ['2022', 'terminal'],
    ['2038', 'retry'],
    ['2046', 'retry'],
    ['2047', 'terminal'],
    ['2057', 'retry'],
    ['3000', 'retry'],
    ['2999', 'terminal'],
  ])('code %s -> %s', (code, decision) => {
    expect(classifyBraintreeError(code)).toBe(decision)
  })

  it("Braintree's own soft/hard column wins for codes it covers, except the pinned duplicate", () => {
    expect(processorDecision('2999', 'soft_declined')).toBe('retry')
    expect(processorDecision('2000', 'hard_declined')).toBe('terminal')
    expect(processorDecision('2016', 'soft_declined')).toBe('unknown')
  })

  it('gateway rejections: duplicate is unknown, the rest terminal', () => {
    expect(classifyBraintreeError('gateway_rejected:duplicate')).toBe('unknown')
    for (const r of ['avs', 'cvv', 'fraud', 'risk_threshold', 'three_d_secure', 'application_incomplete'])
      expect(classifyBraintreeError(`gateway_rejected:${r}`)).toBe('terminal')
  })

  it('errors: 5xx and timeouts unknown, 429 and refused connections retry, 422 terminal, open circuit retry', () => {
    expect(classifyBraintreeError(new BraintreeApiError(500, 'POST /transactions', 'x'))).toBe('unknown')
    expect(classifyBraintreeError(new BraintreeApiError(429, 'POST /transactions', 'x'))).toBe('retry')
    expect(classifyBraintreeError(new BraintreeApiError(422, 'POST /transactions', 'x'))).toBe('terminal')
    expect(classifyBraintreeError(new TransportError('t', 'timeout'))).toBe('unknown')
    expect(classifyBraintreeError(new TransportError('r', 'network_error', {reason: 'refused'}))).toBe('retry')
    expect(classifyBraintreeError(new TransportError('r', 'network_error', {reason: 'reset'}))).toBe('unknown')
    expect(classifyBraintreeError(new CircuitOpenError('bt', 0))).toBe('retry')
  })

  it("agrees with the emulator's declineFor for every scenario decline reason", () => {
    const emulator = createBraintreeEmulator({
      scenario: scenario(20),
      share: 'own',
      clock: mutableClock('2026-02-01T00:00:00Z'),
    })
    for (const reason of DECLINE_REASONS) {
      const {code, decision} = emulator.declineFor(reason)
      expect(classifyBraintreeError(code), reason).toBe(decision)
    }
  })
})

describe('Braintree verdicts say how they were reached', () => {
  it('advice (the soft/hard type), the table, or unmapped', () => {
    expect(processorVerdict('2001', 'soft_declined')).toEqual({decision: 'retry', basis: 'advice'})
    expect(processorVerdict('2001')).toEqual({decision: 'retry', basis: 'table'})
    expect(processorVerdict('2016', 'soft_declined')).toEqual({decision: 'unknown', basis: 'table'})
    expect(processorVerdict('2999')).toEqual({decision: 'terminal', basis: 'unmapped'})
    expect(gatewayRejectionVerdict('avs')).toEqual({decision: 'terminal', basis: 'table'})
    expect(gatewayRejectionVerdict('a_new_reason')).toEqual({decision: 'terminal', basis: 'unmapped'})
  })
})
