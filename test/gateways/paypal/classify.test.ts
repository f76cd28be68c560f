import {describe, expect, it} from 'vitest'

import {paypalFailure, paypalVerdict} from '../../../src/gateways/paypal/classify.js'

describe('PayPal failures for the retry engine (docs/gateways.md#paypal-declines)', () => {
  it('declines and failed requests are told apart; an unmapped name is a terminal decline, flagged', () => {
    expect(paypalFailure('INSTRUMENT_DECLINED', 'x', {network: 'none'})).toEqual({
      code: 'INSTRUMENT_DECLINED',
      message: 'x',
      decision: 'terminal',
      basis: 'table',
      origin: 'decline',
      network: 'none',
    })
    expect(paypalFailure('VALIDATION_ERROR', 'x')).toMatchObject({origin: 'request', basis: 'table'})
    expect(paypalFailure('A_NAME_PAYPAL_ADDS', 'x')).toMatchObject({
      decision: 'terminal',
      basis: 'unmapped',
      origin: 'decline',
    })
    expect(paypalVerdict('RATE_LIMIT_REACHED')).toEqual({decision: 'retry', basis: 'table'})
  })
})
