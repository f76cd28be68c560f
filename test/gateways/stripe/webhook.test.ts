import {describe, expect, it} from 'vitest'

import {signStripePayload, verifyStripeSignature, verifyStripeWebhook} from '../../../src/gateways/stripe/webhook.js'

// docs/gateways.md#stripe-webhooks: the recomputed test vector.
const SECRET = 'whsec_test_secret'
const T = 1700000000
const BODY = '{"id":"evt_1","object":"event"}'
const V1 = '0c8670ed117751cc551a20e35839447075c42800ea3cf3e8a2fbda99cd1e6edd'
const at = (seconds: number) => ({now: () => seconds * 1000})

describe('Stripe-Signature verification', () => {
  it('accepts the reference test vector within tolerance', () => {
    expect(verifyStripeSignature(`t=${T},v1=${V1}`, Buffer.from(BODY), SECRET, at(T + 10))).toEqual({
      ok: true,
      timestamp: T,
    })
    expect(verifyStripeSignature(`t=${T},v1=${V1}`, Buffer.from(BODY), SECRET, at(T + 300)).ok).toBe(true)
  })

  it('rejects the same signature once it is older than 300 s', () => {
    const result = verifyStripeSignature(`t=${T},v1=${V1}`, Buffer.from(BODY), SECRET, at(T + 301))
    expect(result).toEqual({ok: false, reason: expect.stringContaining('301 s old')})
  })

  it('accepts when any of several v1 signatures matches (secret rotation) and ignores other schemes', () => {
    const header = `t=${T},v0=deadbeef,v1=${'0'.repeat(64)},v1=${V1}`
    expect(verifyStripeSignature(header, Buffer.from(BODY), SECRET, at(T)).ok).toBe(true)
  })

  it('rejects a tampered body, a wrong secret, a missing header, and a header without v1', () => {
    expect(
      verifyStripeSignature(`t=${T},v1=${V1}`, Buffer.from(BODY.replace('evt_1', 'evt_2')), SECRET, at(T)).ok,
    ).toBe(false)
    expect(verifyStripeSignature(`t=${T},v1=${V1}`, Buffer.from(BODY), 'whsec_other', at(T)).ok).toBe(false)
    expect(verifyStripeSignature(undefined, Buffer.from(BODY), SECRET, at(T)).ok).toBe(false)
    expect(verifyStripeSignature(`t=${T}`, Buffer.from(BODY), SECRET, at(T)).ok).toBe(false)
    expect(verifyStripeSignature(`t=${T + 1},v1=${V1}`, Buffer.from(BODY), SECRET, at(T)).ok).toBe(false)
  })

  it('never puts the secret into a rejection reason', () => {
    const result = verifyStripeSignature(`t=${T},v1=${'a'.repeat(64)}`, Buffer.from(BODY), SECRET, at(T))
    expect(JSON.stringify(result)).not.toContain(SECRET)
  })
})

describe('verifyStripeWebhook', () => {
  const charge = {
    id: 'ch_1',
    object: 'charge',
    amount: 1000,
    amount_refunded: 0,
    captured: true,
    currency: 'eur',
    created: T - 5,
    status: 'succeeded',
    customer: 'cus_1',
    balance_transaction: 'txn_1',
    metadata: {},
  }
  const deliver = (body: string, t = T) => ({
    headers: {'stripe-signature': `t=${t},v1=${signStripePayload(SECRET, t, body)}`},
    rawBody: Buffer.from(body),
    url: 'https://hooks.example/stripe',
  })

  it('dedups on the event id and translates the event object', () => {
    const body = JSON.stringify(
      {id: 'evt_42', object: 'event', type: 'charge.succeeded', created: T, data: {object: charge}},
      null,
      2,
    )
    const result = verifyStripeWebhook(deliver(body), SECRET, 'stripe-eu', at(T + 1))
    expect(result.ok).toBe(true)
    if (!result.ok) return
    expect(result.dedupKey).toBe('evt_42')
    expect(result.events).toHaveLength(2)
    expect(result.events[0]).toMatchObject({
      kind: 'txn',
      item: {txn: {id: 'stripe-eu:ch_1', status: 'succeeded', amount: {minor: 1000, currency: 'EUR'}}},
    })
    // The event carries the balance transaction as a bare id: the fee is read from Stripe, dated by the event.
    expect(result.events[1]).toEqual({
      kind: 'fetch',
      ref: {object: 'charge', id: 'ch_1', at: new Date(T * 1000).toISOString()},
    })
  })

  it('a PaymentIntent event that only names its charge asks for the charge', () => {
    const body = JSON.stringify({
      id: 'evt_44',
      object: 'event',
      type: 'payment_intent.succeeded',
      created: T,
      data: {object: {id: 'pi_1', object: 'payment_intent', latest_charge: 'ch_9'}},
    })
    const result = verifyStripeWebhook(deliver(body), SECRET, 'p', at(T))
    expect(result).toMatchObject({ok: true, dedupKey: 'evt_44'})
    expect(result.ok && result.events).toEqual([
      {kind: 'fetch', ref: {object: 'charge', id: 'ch_9', at: new Date(T * 1000).toISOString()}},
    ])
  })

  it('keeps a signed event whose object drifted, as a quarantined item', () => {
    const body = JSON.stringify({
      id: 'evt_43',
      object: 'event',
      type: 'charge.succeeded',
      created: T,
      data: {object: {...charge, amount: '1000'}},
    })
    const result = verifyStripeWebhook(deliver(body), SECRET, 'p', at(T))
    expect(result).toMatchObject({
      ok: true,
      dedupKey: 'evt_43',
      events: [{kind: 'invalid', item: {reason: 'invalid_payload'}}],
    })
  })

  it('refuses an unsigned or replayed delivery before reading it', () => {
    const body = JSON.stringify({
      id: 'evt_44',
      object: 'event',
      type: 'charge.succeeded',
      created: T,
      data: {object: charge},
    })
    expect(verifyStripeWebhook(deliver(body, T - 3600), SECRET, 'p', at(T)).ok).toBe(false)
    expect(verifyStripeWebhook({...deliver(body), rawBody: Buffer.from(body + ' ')}, SECRET, 'p', at(T)).ok).toBe(false)
  })
})
