import Stripe from 'stripe'
import {afterAll, beforeAll, describe, expect, it} from 'vitest'

import type {GatewayEmulator, RunningServer} from '../../../src/sandbox/emulator.js'
import {paymentStateAt, scenarioEvents} from '../../../src/sandbox/model.js'
import {manualClock, startStripe, stripeScenario} from '../../gateways/stripe/helpers.js'

/** The official stripe-node SDK, pointed at the emulator on loopback, must find a Stripe there. */
describe('Stripe emulator against the official stripe SDK', () => {
  const scenario = stripeScenario(400)
  const clock = manualClock('2026-03-01T00:00:00.000Z')
  let emulator: GatewayEmulator
  let server: RunningServer
  let stripe: Stripe

  beforeAll(async () => {
    const started = await startStripe(scenario, clock)
    emulator = started.emulator
    server = started.server
    stripe = new Stripe(emulator.secrets.api_key as string, {
      host: '127.0.0.1',
      port: started.port,
      protocol: 'http',
      maxNetworkRetries: 0,
      telemetry: false,
    })
  })
  afterAll(() => server.close())

  const visible = () => scenario.payments.filter((p) => paymentStateAt(p, clock.isoNow()).visible)

  it('lists every visible charge newest first across pages with auto-pagination', async () => {
    const charges = await stripe.charges.list({limit: 37}).autoPagingToArray({limit: 10_000})
    const expected = visible()
    expect(charges.length).toBe(expected.length)
    expect(new Set(charges.map((c) => c.id))).toEqual(
      new Set(expected.map((p) => emulator.externalId('payment', p.key))),
    )
    for (let i = 1; i < charges.length; i++) expect(charges[i - 1]!.created).toBeGreaterThanOrEqual(charges[i]!.created)
    expect(charges.every((c) => c.object === 'charge' && c.currency === c.currency.toLowerCase())).toBe(true)
  })

  it('filters by created and shows a charge as it is now (refunds, disputes)', async () => {
    const refunded = visible().find((p) => p.refunds.length > 0 && p.refunds.every((r) => r.at <= clock.isoNow()))!
    const id = emulator.externalId('payment', refunded.key)
    const charge = await stripe.charges.retrieve(id, {expand: ['balance_transaction']})
    expect(charge.amount_refunded).toBeGreaterThan(0)
    expect(typeof charge.balance_transaction === 'object' && charge.balance_transaction?.object).toBe(
      'balance_transaction',
    )
    const since = Math.floor(Date.parse('2026-02-15T00:00:00Z') / 1000)
    const recent = await stripe.charges.list({limit: 100, created: {gte: since}}).autoPagingToArray({limit: 10_000})
    expect(recent.length).toBe(visible().filter((p) => Date.parse(p.createdAt) >= since * 1000).length)
    const refunds = await stripe.refunds.list({charge: id})
    expect(refunds.data.map((r) => r.charge)).toEqual(refunds.data.map(() => id))
    expect(refunds.data.length).toBe(refunded.refunds.length)
  })

  it('returns Stripe error bodies: 404 for an unknown charge, 401 for a wrong key', async () => {
    await expect(stripe.charges.retrieve('ch_nope')).rejects.toMatchObject({
      type: 'StripeInvalidRequestError',
      code: 'resource_missing',
      statusCode: 404,
    })
    const wrong = new Stripe('sk_test_wrongwrongwrong', {
      host: '127.0.0.1',
      port: Number(new URL(server.baseUrl).port),
      protocol: 'http',
      maxNetworkRetries: 0,
    })
    await expect(wrong.charges.list()).rejects.toMatchObject({type: 'StripeAuthenticationError', statusCode: 401})
  })

  it('lists events newest first and walks forward with ending_before', async () => {
    const latest = await stripe.events.list({limit: 100})
    expect(latest.data[0]!.created).toBeGreaterThanOrEqual(latest.data[latest.data.length - 1]!.created)
    const oldestShown = latest.data[latest.data.length - 1]!
    // The SDK iterates ending_before lists oldest-to-newest: the 99 events after the oldest on the page.
    const forward = await stripe.events
      .list({limit: 10, ending_before: oldestShown.id})
      .autoPagingToArray({limit: 1000})
    expect(forward.map((e) => e.id)).toEqual(
      latest.data
        .slice(0, -1)
        .map((e) => e.id)
        .reverse(),
    )
    const refund = latest.data.find((e) => e.type === 'refund.created')
    if (refund) expect((refund.data.object as Stripe.Refund).object).toBe('refund')
  })

  it('creates a confirmed off-session PaymentIntent; it shows in charges and events; a key replays', async () => {
    const customer = scenario.customers[0]!
    const params = {
      amount: 1234,
      currency: 'usd',
      customer: customer.refs.stripe,
      payment_method: 'pm_card_visa',
      off_session: true,
      confirm: true,
      metadata: {yms_invoice: 'inv-x'},
    }
    const intent = await stripe.paymentIntents.create(params, {idempotencyKey: 'retry-1'})
    expect(intent.status).toBe('succeeded')
    const again = await stripe.paymentIntents.create(params, {idempotencyKey: 'retry-1'})
    expect(again.id).toBe(intent.id)
    await expect(
      stripe.paymentIntents.create({...params, amount: 999}, {idempotencyKey: 'retry-1'}),
    ).rejects.toMatchObject({type: 'StripeIdempotencyError'})
    const charge = await stripe.charges.retrieve(intent.latest_charge as string)
    expect(charge).toMatchObject({
      amount: 1234,
      currency: 'usd',
      status: 'succeeded',
      customer: customer.refs.stripe,
      metadata: {yms_invoice: 'inv-x'},
    })
    const newest = await stripe.charges.list({limit: 1})
    expect(newest.data[0]!.id).toBe(charge.id)
    const events = await stripe.events.list({limit: 2})
    expect(events.data.map((e) => e.type).sort()).toEqual(['charge.succeeded', 'payment_intent.succeeded'])
  })

  it('declines with a card_error carrying the decline code', async () => {
    const customer = scenario.customers[1]!
    const attempt = stripe.paymentIntents.create({
      amount: 500,
      currency: 'eur',
      customer: customer.refs.stripe,
      payment_method: 'pm_card_chargeDeclinedInsufficientFunds',
      off_session: true,
      confirm: true,
    })
    await expect(attempt).rejects.toMatchObject({
      type: 'StripeCardError',
      code: 'card_declined',
      decline_code: 'insufficient_funds',
      statusCode: 402,
    })
  })

  it('signs webhooks that stripe.webhooks.constructEvent accepts, and a tampered one it rejects', () => {
    const events = scenarioEvents(scenario.payments)
      .filter((e) => e.type === 'refund.created' || e.type === 'dispute.closed')
      .slice(0, 6)
    const deliveries = emulator.webhooks(events, 'http://127.0.0.1:9/hooks/stripe')
    expect(deliveries.length).toBeGreaterThan(events.length - 1)
    for (const d of deliveries) {
      const receivedAt = Date.parse(d.at) + 5000
      const event = stripe.webhooks.constructEvent(
        d.body,
        d.headers['stripe-signature']!,
        emulator.secrets.webhook_secret!,
        undefined,
        undefined,
        receivedAt,
      )
      expect(event.id).toBe(d.dedupId)
      const tampered = d.body.replace('"livemode": false', '"livemode": true')
      expect(tampered).not.toBe(d.body)
      expect(() =>
        stripe.webhooks.constructEvent(
          tampered,
          d.headers['stripe-signature']!,
          emulator.secrets.webhook_secret!,
          undefined,
          undefined,
          receivedAt,
        ),
      ).toThrow()
    }
  })
})
