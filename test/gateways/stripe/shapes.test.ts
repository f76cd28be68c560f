import fc from 'fast-check'
import {describe, expect, it} from 'vitest'

import {ChargeSchema, EventSchema} from '../../../src/gateways/stripe/schema.js'
import {fitsStripeCharge, fitsStripeEvent} from '../../../src/gateways/stripe/shapes.js'
import {chargeSucceeded} from '../../bench/webhooks/stripe-event.js'
import {mutationsOf} from '../../helpers/shape-mutations.js'

const event = JSON.parse(chargeSucceeded(1, {ref: 'cus_1', currency: 'EUR'}, Date.parse('2026-01-01'))) as {
  data: {object: Record<string, unknown>}
}
const charge = {
  ...event.data.object,
  customer: 'cus_1',
  outcome: {type: 'authorized', reason: null, seller_message: 'Payment complete.', advice_code: 'x'},
  payment_method_details: {card: {brand: 'visa', last4: '4242'}, type: 'card'},
  metadata: {yms_invoice: 'inv-1'},
  refunds: {object: 'list', data: []},
}

describe('the hand-written checks of Stripe events and charges', () => {
  it('accept the shapes Stripe sends most', () => {
    expect(fitsStripeEvent(event)).toBe(true)
    expect(fitsStripeCharge(event.data.object)).toBe(true)
    expect(fitsStripeCharge(charge)).toBe(true)
    expect(fitsStripeCharge({...charge, balance_transaction: 'txn_1', customer: null})).toBe(true)
  })

  it('never accept an event the schema refuses', () => {
    fc.assert(
      fc.property(mutationsOf(event), (value) => {
        if (fitsStripeEvent(value)) expect(EventSchema.safeParse(value).success).toBe(true)
      }),
      {numRuns: 2000},
    )
  })

  it('never accept a charge the schema refuses, and read the same fields the schema returns', () => {
    fc.assert(
      fc.property(mutationsOf(charge), (value) => {
        if (!fitsStripeCharge(value)) return
        const parsed = ChargeSchema.safeParse(value)
        expect(parsed.success).toBe(true)
        // The schema's result is a copy without the fields it does not name: the check hands on the same values.
        expect(value).toMatchObject(parsed.data!)
      }),
      {numRuns: 3000},
    )
  })
})
