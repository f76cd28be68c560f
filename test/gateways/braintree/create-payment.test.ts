import {afterEach, describe, expect, it} from 'vitest'

import {adapter as braintreeAdapter} from '../../../src/gateways/braintree/client.js'
import {createBraintreeEmulator} from '../../../src/sandbox/braintree/emulator.js'
import {AuthError} from '../../../src/core/errors.js'
import {serveHandler, type EmulatorRequest} from '../../../src/sandbox/emulator.js'
import {connectClient, mutableClock, scenario} from './helpers.js'

const world = scenario(200)
const customer = world.customers.find((c) => c.site === 'boston')!
const tokyo = world.customers.find((c) => c.site === 'tokyo')!
const closers: (() => Promise<void>)[] = []
afterEach(async () => {
  while (closers.length > 0) await closers.pop()!()
})

/** The emulator behind a switch: `mode` decides whether a sale is answered, answered 500, or hangs up after processing. */
async function setup() {
  const clock = mutableClock('2026-02-01T00:00:00.000Z')
  const emulator = createBraintreeEmulator({scenario: world, share: 'own', clock})
  const seen: EmulatorRequest[] = []
  const state = {mode: 'normal' as 'normal' | 'process-then-500' | 'process-then-reset'}
  const server = await serveHandler(async (req, raw) => {
    seen.push(req)
    const res = await emulator.handle(req)
    if (req.path.endsWith('/transactions') && state.mode !== 'normal') {
      if (state.mode === 'process-then-500') return {status: 500, body: ''}
      raw.res.destroy()
      return null
    }
    return res
  })
  closers.push(() => server.close())
  const client = connectClient(emulator, server.baseUrl, clock)
  return {clock, emulator, client, seen, state, baseUrl: server.baseUrl}
}

const request = (amount: number, currency = 'USD', who = customer) => ({
  customerRef: who.refs.braintree,
  paymentMethodRef: who.paymentMethods.braintree,
  amount: {minor: amount, currency},
  idempotencyKey: `retry-${amount}-${currency}`,
  metadata: {invoice_id: `inv-${amount}`},
})

describe('Braintree createPayment over loopback', () => {
  it('the adapter declares no idempotency and no blind re-send of ambiguous POSTs', () => {
    expect(braintreeAdapter.idempotencyHeader).toBeNull()
    expect(braintreeAdapter.retryAmbiguousPosts).toBe(false)
    expect(braintreeAdapter.settingsSchema.safeParse({merchant_id: 'm'}).success).toBe(false)
  })

  it('a sale submitted for settlement is pending, with the JSON body Braintree expects', async () => {
    const {client, seen} = await setup()
    const outcome = await client.createPayment!(request(1234))
    expect(outcome).toMatchObject({
      status: 'pending',
      item: {
        txn: {
          type: 'payment',
          status: 'pending',
          amount: {minor: 1234, currency: 'USD'},
          customerRef: customer.refs.braintree,
          invoiceRef: 'inv-1234',
        },
      },
    })
    const sent = seen.find((r) => r.path.endsWith('/transactions'))!
    expect(JSON.parse(sent.rawBody.toString())).toEqual({
      transaction: {
        type: 'sale',
        amount: '12.34',
        payment_method_token: customer.paymentMethods.braintree,
        customer_id: customer.refs.braintree,
        order_id: 'inv-1234',
        options: {submit_for_settlement: true},
        merchant_account_id: 'yms_usd',
      },
    })
    expect(sent.headers).toMatchObject({
      'x-apiversion': '6',
      accept: 'application/xml',
      'content-type': 'application/json',
    })
  })

  it('JPY goes out as whole yen on the JPY merchant account', async () => {
    const {client, seen} = await setup()
    const outcome = await client.createPayment!(request(5000, 'JPY', tokyo))
    expect(outcome).toMatchObject({status: 'pending', item: {txn: {amount: {minor: 5000, currency: 'JPY'}}}})
    const body = JSON.parse(seen.find((r) => r.path.endsWith('/transactions'))!.rawBody.toString())
    expect(body.transaction).toMatchObject({amount: '5000', merchant_account_id: 'yms_jpy'})
  })

  it('processor declines are failed with the code and decision; validation errors are terminal', async () => {
    const {client} = await setup()
    expect(await client.createPayment!(request(200_100))).toMatchObject({
      status: 'failed',
      failure: {code: '2001', decision: 'retry'},
      externalId: expect.any(String),
    })
    expect(await client.createPayment!(request(200_400))).toMatchObject({
      status: 'failed',
      failure: {code: '2004', decision: 'terminal'},
    })
    const bad = await client.createPayment!({...request(100), paymentMethodRef: 'nosuchtoken'})
    expect(bad).toMatchObject({status: 'failed', externalId: null, failure: {code: '91518', decision: 'terminal'}})
    const unconfigured = await client.createPayment!(request(100, 'GBP'))
    expect(unconfigured).toMatchObject({
      status: 'failed',
      failure: {code: 'currency_not_configured', decision: 'terminal'},
    })
  })

  it('after a 500 or a reset the sale is never re-sent: it is found by order id', async () => {
    const {client, seen, state} = await setup()
    state.mode = 'process-then-500'
    const outcome = await client.createPayment!(request(4321))
    expect(outcome).toMatchObject({status: 'pending', item: {txn: {amount: {minor: 4321}, invoiceRef: 'inv-4321'}}})
    state.mode = 'process-then-reset'
    const reset = await client.createPayment!(request(8765))
    expect(reset).toMatchObject({status: 'pending', item: {txn: {amount: {minor: 8765}}}})
    expect(seen.filter((r) => r.method === 'POST' && r.path.endsWith('/transactions'))).toHaveLength(2)
  })

  it('when the lookup finds nothing the outcome stays unknown', async () => {
    const {client, state} = await setup()
    state.mode = 'process-then-500'
    // An amount the sandbox refuses before storing anything would be found: use an unknown token, which stores nothing.
    const outcome = await client.createPayment!({...request(999), paymentMethodRef: 'nosuchtoken'})
    expect(outcome).toMatchObject({status: 'unknown', reason: expect.stringContaining('no sale with order id')})
  })

  it('the emulator answers 426 without X-ApiVersion and 401 without credentials, as the SDK expects', async () => {
    const {emulator, baseUrl} = await setup()
    const path = `${baseUrl}/merchants/${emulator.settings.merchant_id}/transactions/advanced_search_ids`
    const auth = `Basic ${Buffer.from(`${emulator.settings.public_key}:${emulator.secrets.private_key}`).toString('base64')}`
    expect((await fetch(path, {method: 'POST', headers: {authorization: auth}, body: '{}'})).status).toBe(426)
    expect((await fetch(path, {method: 'POST', headers: {'x-apiversion': '6'}, body: '{}'})).status).toBe(401)
    expect(
      (await fetch(path, {method: 'POST', headers: {authorization: auth, 'x-apiversion': '6'}, body: '{"search":{}}'}))
        .status,
    ).toBe(200)
  })

  it('wrong keys raise AuthError from testConnection', async () => {
    const {emulator, baseUrl, clock, client} = await setup()
    await expect(client.testConnection()).resolves.toBeUndefined()
    const wrong = connectClient({...emulator, secrets: {private_key: 'wrong'}}, baseUrl, clock)
    await expect(wrong.testConnection()).rejects.toBeInstanceOf(AuthError)
    await expect(wrong.testConnection()).rejects.not.toThrow(/wrong/)
  })
})
