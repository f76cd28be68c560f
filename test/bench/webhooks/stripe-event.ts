import {signStripePayload} from '../../../src/gateways/stripe/webhook.js'

/** A customer the bench home has imported: their Stripe id and the currency of their site. */
export interface BenchCustomer {
  ref: string
  currency: string
}

/**
 * One `charge.succeeded` event as Stripe sends it (pretty-printed, the signature over the exact bytes), for a new
 * charge of an imported customer. Its balance transaction is expanded, so the fee is known and the server has no
 * charge to read back: the bench measures receipt, verification, apply and commit, not a Stripe round trip.
 */
export function chargeSucceeded(n: number, customer: BenchCustomer, nowMs: number): string {
  const created = Math.floor(nowMs / 1000)
  const amount = 1_000 + ((n * 7919) % 40_000)
  const fee = Math.floor((amount * 29) / 1000) + 30
  const charge = {
    id: `ch_bench${String(n).padStart(10, '0')}`,
    object: 'charge',
    amount,
    amount_captured: amount,
    amount_refunded: 0,
    captured: true,
    currency: customer.currency.toLowerCase(),
    created,
    status: 'succeeded',
    paid: true,
    refunded: false,
    disputed: false,
    customer: customer.ref,
    balance_transaction: {
      id: `txn_bench${String(n).padStart(10, '0')}`,
      object: 'balance_transaction',
      amount,
      fee,
      net: amount - fee,
      currency: customer.currency.toLowerCase(),
      created,
      status: 'pending',
      type: 'charge',
    },
    failure_code: null,
    failure_message: null,
    outcome: {type: 'authorized', reason: null, seller_message: 'Payment complete.'},
    livemode: false,
    metadata: {},
  }
  const event = {
    id: `evt_bench${String(n).padStart(10, '0')}`,
    object: 'event',
    api_version: '2026-07-29.dahlia',
    created,
    livemode: false,
    type: 'charge.succeeded',
    pending_webhooks: 1,
    request: {id: null, idempotency_key: null},
    data: {object: charge},
  }
  return JSON.stringify(event, null, 2)
}

export function stripeSignature(secret: string, body: string, nowMs: number): string {
  const t = Math.floor(nowMs / 1000)
  return `t=${t},v1=${signStripePayload(secret, t, body)}`
}
