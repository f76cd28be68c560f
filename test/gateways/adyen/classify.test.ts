import {describe, expect, it} from 'vitest'

import {refusalFailure, refusalVerdict} from '../../../src/gateways/adyen/classify.js'

describe('Adyen refusals for the retry engine (docs/gateways.md#adyen-declines)', () => {
  it('a code or a refusal text in the table is decided by it; anything else is unmapped', () => {
    expect(refusalVerdict('12')).toEqual({decision: 'retry', basis: 'table'})
    expect(refusalVerdict('Not enough balance')).toEqual({decision: 'retry', basis: 'table'})
    expect(refusalVerdict('Pending')).toEqual({decision: 'unknown', basis: 'table'})
    expect(refusalVerdict('99')).toEqual({decision: 'terminal', basis: 'unmapped'})
  })

  it('normalizes the raw acquirer response and the merchant advice code, with or without a leading zero', () => {
    expect(
      refusalFailure('2', 'Refused', {raw: '5 : Do not honor', merchantAdviceCode: '2: Try again later', brand: 'mc'}),
    ).toEqual({
      code: '2',
      message: 'Refused',
      decision: 'retry',
      basis: 'table',
      origin: 'decline',
      network: 'mastercard',
      networkCode: '05',
      networkAdvice: '02',
    })
    // Adyen's own wording instead of a scheme code carries no network code.
    expect(refusalFailure('12', 'Not enough balance', {raw: 'DECLINED Not enough balance', brand: 'visa'})).toEqual({
      code: '12',
      message: 'Not enough balance',
      decision: 'retry',
      basis: 'table',
      origin: 'decline',
      network: 'visa',
    })
  })
})
