import fc from 'fast-check'
import {describe, expect, it} from 'vitest'

import {type NormalizedTxn, NormalizedTxnSchema} from '../../src/core/transaction.js'
import {fitsNormalizedTxn, parseNormalizedTxn} from '../../src/core/txn-shape.js'
import {mutationsOf} from '../helpers/shape-mutations.js'

const payment: NormalizedTxn = {
  id: 'stripe:ch_1',
  provider: 'stripe',
  kind: 'stripe',
  externalId: 'ch_1',
  parentExternalId: null,
  type: 'payment',
  status: 'succeeded',
  amount: {minor: 2599, currency: 'USD'},
  fee: {minor: 105, currency: 'USD'},
  net: {minor: 2494, currency: 'USD'},
  customerRef: 'cus_1',
  invoiceRef: null,
  siteRef: null,
  failure: null,
  occurredAt: '2026-01-01T00:00:00Z',
  updatedAt: '2026-01-01T00:00:01.123Z',
  metadata: {yms_invoice: 'inv-7'},
}

describe('the hand-written check of a normalized transaction', () => {
  it('accepts the common shape as it is, which the schema accepts and returns the same', () => {
    expect(fitsNormalizedTxn(payment)).toBe(true)
    const parsed = parseNormalizedTxn(payment)
    expect(parsed.success && parsed.data).toBe(payment)
    expect(JSON.stringify(NormalizedTxnSchema.parse(payment))).toBe(JSON.stringify(payment))
  })

  it('leaves failures, other key orders and refused values to the schema', () => {
    const failed = {...payment, status: 'failed', failure: {code: 'x', message: 'x', decision: 'terminal'}}
    expect(fitsNormalizedTxn(failed)).toBe(false)
    expect(parseNormalizedTxn(failed).success).toBe(true)
    const {id, ...rest} = payment
    expect(fitsNormalizedTxn({...rest, id})).toBe(false)
    expect(fitsNormalizedTxn({...payment, type: 'fee'})).toBe(false) // a booking names no customer
    const refused = parseNormalizedTxn({...payment, amount: {minor: -1, currency: 'USD'}})
    expect(refused.success).toBe(false)
    expect(refused.error?.issues[0]?.path).toEqual(['amount', 'minor'])
  })

  it('never accepts what the schema refuses, and what it accepts serializes as the schema returns it', () => {
    fc.assert(
      fc.property(mutationsOf(payment), (value) => {
        if (!fitsNormalizedTxn(value)) return
        const parsed = NormalizedTxnSchema.safeParse(value)
        expect(parsed.success).toBe(true)
        expect(JSON.stringify(parsed.data)).toBe(JSON.stringify(value))
      }),
      {numRuns: 3000},
    )
  })
})
