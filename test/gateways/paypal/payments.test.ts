import {afterEach, describe, expect, it} from 'vitest'

import {CircuitOpenError, TransportError} from '../../../src/gateways/http.js'
import {PaypalApiError} from '../../../src/gateways/paypal/api-error.js'
import {classifyPaypalError} from '../../../src/gateways/paypal/classify.js'
import {ErrorBodySchema} from '../../../src/gateways/paypal/schema.js'
import {DECLINE_REASONS, scenarioEvents} from '../../../src/sandbox/model.js'
import {generateScenario} from '../../../src/sandbox/generate.js'
import {fakeClock, fixture} from './helpers.js'
import {type Harness, startHarness, syncOnce} from './harness.js'

const scenario = generateScenario({
  seed: 33,
  customers: 40,
  transactions: 50,
  start: '2025-01-01T00:00:00.000Z',
  end: '2025-01-10T00:00:00.000Z',
  gateways: ['paypal'],
})
const jpyCustomer = scenario.customers.find((c) => c.site === 'tokyo')!
const usdCustomer = scenario.customers.find((c) => c.site === 'boston')!

let harness: Harness | null = null
afterEach(async () => {
  await harness?.close()
  harness = null
})

const start = (extra: Parameters<typeof startHarness>[1] = {}) =>
  startHarness({scenario, share: 'own', clock: fakeClock('2025-01-10T00:00:00.000Z')}, extra)

describe('PayPal createPayment (Orders v2, vaulted wallet)', () => {
  it('charges a vaulted wallet in one call; the payment carries the payer and shows up in the next sync', async () => {
    harness = await start()
    const outcome = await harness.client.createPayment!({
      customerRef: jpyCustomer.refs.paypal,
      paymentMethodRef: jpyCustomer.paymentMethods.paypal,
      amount: {minor: 12_000, currency: 'JPY'},
      idempotencyKey: 'retry-inv-1-attempt-1',
      metadata: {invoice_id: 'inv-1'},
    })
    expect(outcome).toMatchObject({
      status: 'succeeded',
      item: {
        txn: {
          type: 'payment',
          status: 'succeeded',
          amount: {minor: 12_000, currency: 'JPY'},
          customerRef: jpyCustomer.refs.paypal,
          invoiceRef: 'inv-1',
        },
      },
    })
    const post = harness.requests.find((r) => r.path === '/v2/checkout/orders')!
    expect(post.headers['paypal-request-id']).toBe('retry-inv-1-attempt-1')
    const body = JSON.parse(post.rawBody.toString()) as {
      intent: string
      purchase_units: {amount: {value: string}}[]
      payment_source: {paypal: {vault_id: string}}
    }
    expect(body.intent).toBe('CAPTURE')
    expect(body.purchase_units[0]!.amount.value).toBe('12000') // JPY: no decimals on PayPal's wire
    expect(body.payment_source.paypal.vault_id).toBe(jpyCustomer.paymentMethods.paypal)

    const run = await syncOnce(harness.client, null, '2025-01-09T00:00:00Z')
    if (outcome.status !== 'succeeded') return
    expect(run.items.find((t) => t.externalId === outcome.externalId)).toMatchObject({
      status: 'succeeded',
      customerRef: jpyCustomer.refs.paypal,
    })
    // And the created payment can be announced by webhook.
    const [w] = harness.emulator.webhooks(scenarioEvents(harness.emulator.createdPayments()), 'http://127.0.0.1/hook')
    const verified = await harness.client.verifyWebhook({
      headers: w!.headers,
      rawBody: Buffer.from(w!.body),
      url: 'http://127.0.0.1/hook',
    })
    expect(verified).toMatchObject({
      ok: true,
      events: [{kind: 'fetch', ref: {object: 'capture', id: outcome.externalId}}],
    })
    // Read back with its order, it carries the payer the sync saw.
    const read = await harness.client.fetchObject!({object: 'capture', id: outcome.externalId})
    expect(read.items[0]!.txn).toMatchObject({externalId: outcome.externalId, customerRef: jpyCustomer.refs.paypal})
  })

  it('a repeated PayPal-Request-Id returns the first result and charges once', async () => {
    harness = await start()
    const req = {
      customerRef: usdCustomer.refs.paypal,
      paymentMethodRef: usdCustomer.paymentMethods.paypal,
      amount: {minor: 4_999, currency: 'USD'},
      idempotencyKey: 'same-key',
      metadata: {},
    }
    const a = await harness.client.createPayment!(req)
    const b = await harness.client.createPayment!(req)
    expect(a.status).toBe('succeeded')
    expect(b).toEqual(a)
    expect(harness.emulator.createdPayments()).toHaveLength(1)
    const c = await harness.client.createPayment!({...req, idempotencyKey: 'other-key'})
    expect(c.status === 'succeeded' && c.externalId).not.toBe(a.status === 'succeeded' && a.externalId)
  })

  it.each(DECLINE_REASONS)('a %s decline fails with the code and decision the emulator declares', async (reason) => {
    harness = await start()
    const outcome = await harness.client.createPayment!({
      customerRef: 'X',
      paymentMethodRef: `decline-${reason}`,
      amount: {minor: 1_000, currency: 'EUR'},
      idempotencyKey: `k-${reason}`,
      metadata: {},
    })
    const want = harness.emulator.declineFor(reason)
    expect(outcome).toMatchObject({status: 'failed', failure: {code: want.code, decision: want.decision}})
  })

  it('an unknown vault id is a terminal failure', async () => {
    harness = await start()
    const outcome = await harness.client.createPayment!({
      customerRef: 'X',
      paymentMethodRef: 'nope',
      amount: {minor: 1_000, currency: 'EUR'},
      idempotencyKey: 'k',
      metadata: {},
    })
    expect(outcome).toMatchObject({status: 'failed', failure: {code: 'INVALID_RESOURCE_ID', decision: 'terminal'}})
  })

  it('a 5xx after retries, or a reset connection, is unknown (the buyer may have been charged)', async () => {
    harness = await start({
      wrap: (emulator) => async (req, raw) => {
        if (req.path === '/v2/checkout/orders' && req.headers['paypal-request-id'] === 'reset') {
          raw.res.socket?.destroy()
          return null
        }
        if (req.path === '/v2/checkout/orders')
          return {
            status: 500,
            headers: {'content-type': 'application/json'},
            body: JSON.stringify({
              name: 'INTERNAL_SERVER_ERROR',
              message: 'An internal server error occurred.',
              debug_id: 'abc',
            }),
          }
        return emulator.handle(req)
      },
      http: {maxRetries: 1},
    })
    const base = {
      customerRef: usdCustomer.refs.paypal,
      paymentMethodRef: usdCustomer.paymentMethods.paypal,
      amount: {minor: 100, currency: 'USD'},
      metadata: {},
    }
    expect(await harness.client.createPayment!({...base, idempotencyKey: 'five-hundred'})).toMatchObject({
      status: 'unknown',
    })
    expect(await harness.client.createPayment!({...base, idempotencyKey: 'reset'})).toMatchObject({status: 'unknown'})
    // Every retry of one request carried the same PayPal-Request-Id.
    const keys = harness.requests
      .filter((r) => r.path === '/v2/checkout/orders')
      .map((r) => r.headers['paypal-request-id'])
    expect(keys.filter((k) => k === 'five-hundred')).toHaveLength(2)
  })
})

describe('classifyError', () => {
  it('maps PayPal errors by issue, then name; unmapped 4xx terminal, 5xx and network unknown', () => {
    const declined = ErrorBodySchema.parse(fixture('error-422-instrument-declined.json'))
    expect(classifyPaypalError(new PaypalApiError(422, 'POST /v2/checkout/orders', declined))).toBe('terminal')
    expect(classifyPaypalError(new PaypalApiError(429, 'x', {name: 'RATE_LIMIT_REACHED'}))).toBe('retry')
    expect(
      classifyPaypalError(
        new PaypalApiError(422, 'x', {name: 'UNPROCESSABLE_ENTITY', details: [{issue: 'ORDER_ALREADY_CAPTURED'}]}),
      ),
    ).toBe('unknown')
    expect(
      classifyPaypalError(
        new PaypalApiError(422, 'x', {name: 'UNPROCESSABLE_ENTITY', details: [{issue: 'SOMETHING_NEW'}]}),
      ),
    ).toBe('terminal')
    expect(classifyPaypalError(new PaypalApiError(503, 'x', null))).toBe('unknown')
    expect(classifyPaypalError(new TransportError('t', 'timeout'))).toBe('unknown')
    expect(classifyPaypalError(new CircuitOpenError('pp1', 0))).toBe('retry')
    expect(classifyPaypalError('INSTRUMENT_DECLINED')).toBe('terminal')
    expect(classifyPaypalError('PAYMENT_DENIED')).toBe('terminal')
  })
})
