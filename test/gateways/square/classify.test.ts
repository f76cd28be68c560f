import {describe, expect, it} from 'vitest'

import {declineVerdict, squareFailure} from '../../../src/gateways/square/classify.js'

describe('Square failures for the retry engine (docs/gateways.md#square-declines)', () => {
  it('a code in the table is decided by it; an unknown one is a flagged terminal', () => {
    expect(declineVerdict('INSUFFICIENT_FUNDS')).toEqual({decision: 'retry', basis: 'table'})
    expect(declineVerdict('SOMETHING_NEW')).toEqual({decision: 'terminal', basis: 'unmapped'})
  })

  it('PAYMENT_METHOD_ERROR is a decline; other categories are failed requests', () => {
    const decline = {category: 'PAYMENT_METHOD_ERROR', code: 'GENERIC_DECLINE', detail: 'Authorization error'}
    expect(squareFailure(decline, {decline: false, network: 'visa'})).toEqual({
      code: 'GENERIC_DECLINE',
      message: 'Authorization error',
      decision: 'retry',
      basis: 'table',
      origin: 'decline',
      network: 'visa',
    })
    expect(squareFailure({category: 'RATE_LIMIT_ERROR', code: 'RATE_LIMITED'}, {decline: false})).toMatchObject({
      decision: 'retry',
      origin: 'request',
    })
  })
})
