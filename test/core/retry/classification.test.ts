import {describe, expect, it} from 'vitest'

import {classifyFailure, overrideKey, type RetryRules} from '../../../src/core/retry/classification.js'
import {DEFAULT_NETWORK_RULES} from '../../../src/core/retry/network-rules.js'
import type {Decision, Failure} from '../../../src/core/transaction.js'

const AT = '2026-03-01T12:00:00.000Z'
const rules = (overrides: Record<string, Decision> = {}, network = DEFAULT_NETWORK_RULES): RetryRules => ({
  overrides: new Map(Object.entries(overrides)),
  network,
})
const failure = (f: Partial<Failure> & Pick<Failure, 'code' | 'decision'>): Failure => ({message: f.code, ...f})

describe('classifyFailure: advice, then overrides, then tables (docs/gateways.md#declines-and-retries)', () => {
  it('follows the adapter table and says so', () => {
    const v = classifyFailure(
      'stripe',
      failure({code: 'insufficient_funds', decision: 'retry', basis: 'table'}),
      rules(),
      AT,
    )
    expect(v).toEqual({decision: 'retry', reason: 'table:insufficient_funds', unmapped: false, notBefore: null})
    // A state stored before `basis` existed reads as the table.
    expect(classifyFailure('stripe', failure({code: 'expired_card', decision: 'terminal'}), rules(), AT).reason).toBe(
      'table:expired_card',
    )
  })

  it('an unmapped decline is terminal and flagged; an override maps it', () => {
    const f = failure({code: 'new_code_2027', decision: 'terminal', basis: 'unmapped'})
    expect(classifyFailure('stripe', f, rules(), AT)).toMatchObject({decision: 'terminal', unmapped: true})
    const mapped = classifyFailure('stripe', f, rules({[overrideKey('stripe', 'new_code_2027')]: 'retry'}), AT)
    expect(mapped).toMatchObject({decision: 'retry', unmapped: false, reason: 'override:new_code_2027'})
  })

  it('an override is per gateway kind', () => {
    const f = failure({code: 'GENERIC_DECLINE', decision: 'retry', basis: 'table'})
    expect(classifyFailure('square', f, rules({'stripe:GENERIC_DECLINE': 'terminal'}), AT).decision).toBe('retry')
    expect(classifyFailure('square', f, rules({'square:GENERIC_DECLINE': 'terminal'}), AT).decision).toBe('terminal')
  })

  it("the gateway's advice wins over an override of the code; an override of the advice value wins over the advice", () => {
    const f = failure({code: 'generic_decline', decision: 'terminal', basis: 'advice', advice: 'do_not_try_again'})
    expect(classifyFailure('stripe', f, rules({'stripe:generic_decline': 'retry'}), AT)).toMatchObject({
      decision: 'terminal',
      reason: 'advice:do_not_try_again',
    })
    const confirm = failure({
      code: 'insufficient_funds',
      decision: 'terminal',
      basis: 'advice',
      advice: 'confirm_card_data',
    })
    expect(classifyFailure('stripe', confirm, rules({'stripe:advice:confirm_card_data': 'retry'}), AT)).toMatchObject({
      decision: 'retry',
      reason: 'override:advice:confirm_card_data',
    })
  })

  it('an unknown outcome stays unknown whatever is configured (never a double charge)', () => {
    const f = failure({code: 'duplicate_transaction', decision: 'unknown', basis: 'table', networkAdvice: '02'})
    expect(classifyFailure('stripe', f, rules({'stripe:duplicate_transaction': 'retry'}), AT)).toMatchObject({
      decision: 'unknown',
      reason: 'unknown-outcome:duplicate_transaction',
    })
  })
})

describe('classifyFailure: card-network rules come first and cannot be overridden', () => {
  it('a Visa category-1 response code is terminal even where the table and an override say retry', () => {
    const f = failure({code: 'generic_decline', decision: 'retry', basis: 'table', network: 'visa', networkCode: '57'})
    expect(classifyFailure('stripe', f, rules({'stripe:generic_decline': 'retry'}), AT)).toMatchObject({
      decision: 'terminal',
      reason: 'visa-category-1:57',
    })
    // Adyen's raw form, with its text and without the leading zero.
    const raw = failure({
      code: '2',
      decision: 'retry',
      basis: 'table',
      network: 'visa',
      networkCode: '4 : Pick up card',
    })
    expect(classifyFailure('adyen', raw, rules(), AT).reason).toBe('visa-category-1:04')
  })

  it('category-1 codes are Visa codes: the same code on another known network is not a category-1 decline', () => {
    const f = failure({code: 'generic_decline', decision: 'retry', basis: 'table', network: 'amex', networkCode: '57'})
    expect(classifyFailure('stripe', f, rules(), AT).decision).toBe('retry')
    // Unknown network: held to Visa's rule too.
    const unknown = failure({code: 'generic_decline', decision: 'retry', basis: 'table', networkCode: '57'})
    expect(classifyFailure('stripe', unknown, rules(), AT).decision).toBe('terminal')
  })

  it('Mastercard advice 03 and 21 stop the card; with the rule turned off, 03 is still advice not to retry', () => {
    for (const mac of ['03', '21']) {
      const f = failure({
        code: 'do_not_honor',
        decision: 'retry',
        basis: 'table',
        network: 'mastercard',
        networkAdvice: mac,
      })
      expect(classifyFailure('stripe', f, rules(), AT)).toMatchObject({
        decision: 'terminal',
        reason: `mastercard-stop-advice:${mac}`,
      })
    }
    const off = {...DEFAULT_NETWORK_RULES, mastercardStopAdvice: []}
    const f = failure({
      code: 'do_not_honor',
      decision: 'retry',
      basis: 'table',
      network: 'mastercard',
      networkAdvice: '03',
    })
    expect(classifyFailure('stripe', f, rules({}, off), AT)).toMatchObject({
      decision: 'terminal',
      reason: 'network-advice:03',
    })
  })

  it('Mastercard advice 24–30 defers the retry; 01 (new account information) is terminal', () => {
    const f = (mac: string) =>
      failure({
        code: '2001',
        decision: 'retry',
        basis: 'advice',
        advice: 'soft_declined',
        network: 'mastercard',
        networkAdvice: mac,
      })
    expect(classifyFailure('braintree', f('24'), rules(), AT)).toMatchObject({
      decision: 'retry',
      reason: 'network-advice:24',
      notBefore: '2026-03-01T13:00:00.000Z',
    })
    expect(classifyFailure('braintree', f('30'), rules(), AT).notBefore).toBe('2026-03-11T12:00:00.000Z')
    expect(classifyFailure('braintree', f('01'), rules(), AT)).toMatchObject({
      decision: 'terminal',
      reason: 'network-advice:01',
    })
  })

  it('when the network and the gateway disagree, the stricter advice wins', () => {
    const hard = failure({
      code: '2046',
      decision: 'terminal',
      basis: 'advice',
      advice: 'hard_declined',
      network: 'mastercard',
      networkAdvice: '02',
    })
    expect(classifyFailure('braintree', hard, rules(), AT)).toMatchObject({
      decision: 'terminal',
      reason: 'advice:hard_declined',
    })
    // Network advice to retry where the table alone would not: advice comes before the tables.
    const table = failure({
      code: 'unmapped_x',
      decision: 'terminal',
      basis: 'unmapped',
      network: 'mastercard',
      networkAdvice: '02',
    })
    expect(classifyFailure('stripe', table, rules(), AT)).toMatchObject({decision: 'retry', unmapped: false})
  })

  it('a failed request (not a decline) carries no network advice to follow', () => {
    const f = failure({code: 'rate_limit', decision: 'retry', basis: 'table', origin: 'request', networkCode: '57'})
    expect(classifyFailure('stripe', f, rules(), AT)).toMatchObject({decision: 'retry', reason: 'table:rate_limit'})
  })
})
