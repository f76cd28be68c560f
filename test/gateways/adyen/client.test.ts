import {afterAll, beforeAll, describe, expect, it} from 'vitest'

import {AuthError} from '../../../src/core/errors.js'
import {AdyenApiError, parseErrorBody} from '../../../src/gateways/adyen/api-error.js'
import {classifyRefusal} from '../../../src/gateways/adyen/classify.js'
import {reportBaseUrl} from '../../../src/gateways/adyen/pull.js'
import {adapter as adyenAdapter} from '../../../src/gateways/adyen/client.js'
import {createAdyenEmulator} from '../../../src/sandbox/adyen/emulator.js'
import {CircuitOpenError, createHttpClient, TransportError} from '../../../src/gateways/http.js'
import type {GatewayClient} from '../../../src/gateways/types.js'
import {type RunningServer, serveEmulator, serveHandler} from '../../../src/sandbox/emulator.js'
import {generateScenario} from '../../../src/sandbox/generate.js'
import {DECLINE_REASONS} from '../../../src/sandbox/model.js'

const scenario = generateScenario({
  seed: 21,
  customers: 30,
  transactions: 300,
  start: '2024-01-01T00:00:00.000Z',
  end: '2024-03-01T00:00:00.000Z',
  gateways: ['adyen'],
})
const clock = {now: () => Date.parse('2024-03-02T00:00:00.000Z')}
const emulator = createAdyenEmulator({scenario, share: 'own', clock})
let server: RunningServer

const connect = (baseUrl: string, secrets = emulator.secrets): GatewayClient =>
  adyenAdapter.connect(
    {providerId: 'adyen-test', baseUrl, settings: emulator.settings, secrets},
    {
      http: createHttpClient({
        provider: 'adyen-test',
        baseUrl,
        idempotencyHeader: adyenAdapter.idempotencyHeader,
        clock,
      }),
      clock,
    },
  )

/** Each customer's latest scenario payment decides what the emulator does with a new charge. */
const latestOf = (customerId: string) => scenario.payments.filter((p) => p.customer === customerId).at(-1)

beforeAll(async () => {
  server = await serveEmulator(emulator)
})
afterAll(async () => {
  await server.close()
})

describe('adyen createPayment over loopback', () => {
  it('Authorised -> succeeded; same Idempotency-Key -> same payment', async () => {
    const client = connect(server.baseUrl)
    const customer = scenario.customers.find((c) => latestOf(c.id)?.outcome === 'succeeded')!
    const req = {
      customerRef: customer.refs.adyen,
      paymentMethodRef: customer.paymentMethods.adyen,
      amount: {minor: 4200, currency: 'EUR'},
      idempotencyKey: 'retry-inv-7-1',
      metadata: {invoiceRef: 'inv-7'},
    }
    const outcome = await client.createPayment!(req)
    expect(outcome.status).toBe('succeeded')
    if (outcome.status !== 'succeeded') return
    expect(outcome.item?.txn).toMatchObject({
      type: 'payment',
      status: 'succeeded',
      amount: req.amount,
      customerRef: customer.refs.adyen,
      invoiceRef: 'inv-7',
    })
    expect(outcome.item?.txn.metadata.merchantReference).toBe(`${customer.refs.adyen}:inv-7:retry-inv-7-1`)
    const again = await client.createPayment!(req)
    expect(again).toMatchObject({status: 'succeeded', externalId: outcome.externalId})
  })

  it('Refused -> failed with the refusal code and the decision the emulator promises', async () => {
    const client = connect(server.baseUrl)
    const customer = scenario.customers.find((c) => latestOf(c.id)?.outcome === 'failed')!
    const decline = latestOf(customer.id)!.decline!
    const outcome = await client.createPayment!({
      customerRef: customer.refs.adyen,
      paymentMethodRef: customer.paymentMethods.adyen,
      amount: {minor: 1000, currency: 'USD'},
      idempotencyKey: 'k-refused',
      metadata: {},
    })
    expect(outcome).toMatchObject({status: 'failed', failure: emulator.declineFor(decline)})
  })

  it('an unknown stored card is a 422 AdyenApiError classified terminal', async () => {
    const client = connect(server.baseUrl)
    const error = await client.createPayment!({
      customerRef: 'nobody',
      paymentMethodRef: '0',
      amount: {minor: 100, currency: 'EUR'},
      idempotencyKey: 'k-x',
      metadata: {},
    }).catch((e: unknown) => e)
    expect(error).toBeInstanceOf(AdyenApiError)
    expect((error as AdyenApiError).body).toMatchObject({status: 422, errorCode: '800'})
    expect(client.classifyError(error)).toBe('terminal')
  })

  it("sends amounts in Adyen's exponent: ISK and CLP with 2 decimals, IDR and CVE with none", async () => {
    const bodies: {amount: {currency: string; value: number}}[] = []
    const capture = await serveHandler(async (req) => {
      bodies.push(JSON.parse(req.rawBody.toString('utf8')) as (typeof bodies)[number])
      return {
        status: 200,
        headers: {'content-type': 'application/json'},
        body: JSON.stringify({pspReference: '8800000000000099', resultCode: 'Received'}),
      }
    })
    try {
      const client = connect(capture.baseUrl)
      const amounts = [
        {minor: 500, currency: 'ISK'},
        {minor: 1500, currency: 'CLP'},
        {minor: 15_000_000, currency: 'IDR'},
        {minor: 25_000, currency: 'CVE'},
        {minor: 1234, currency: 'EUR'},
      ]
      for (const [i, amount] of amounts.entries()) {
        const outcome = await client.createPayment!({
          customerRef: 'c',
          paymentMethodRef: 'pm',
          amount,
          idempotencyKey: `k${i}`,
          metadata: {},
        })
        expect(outcome).toMatchObject({status: 'pending', externalId: '8800000000000099'})
      }
      expect(bodies.map((b) => b.amount)).toEqual([
        {currency: 'ISK', value: 50_000},
        {currency: 'CLP', value: 150_000},
        {currency: 'IDR', value: 150_000},
        {currency: 'CVE', value: 250},
        {currency: 'EUR', value: 1234},
      ])
      await expect(
        client.createPayment!({
          customerRef: 'c',
          paymentMethodRef: 'pm',
          amount: {minor: 1550, currency: 'IDR'},
          idempotencyKey: 'kx',
          metadata: {},
        }),
      ).rejects.toThrow(/IDR/)
    } finally {
      await capture.close()
    }
  })

  it('testConnection refuses a bad key with AuthError and never echoes it', async () => {
    const error = await connect(server.baseUrl, {...emulator.secrets, api_key: 'AQE_secret_wrong'})
      .testConnection()
      .catch((e: unknown) => e)
    expect(error).toBeInstanceOf(AuthError)
    expect((error as Error).message).not.toContain('AQE_secret_wrong')
  })
})

describe('adyen classification', () => {
  it('maps every emulator decline to the decision docs/gateways.md#adyen-declines gives it', () => {
    const expected = {
      insufficient_funds: ['12', 'retry'],
      generic: ['2', 'retry'],
      issuer_unavailable: ['9', 'retry'],
      expired_card: ['6', 'terminal'],
      stolen_card: ['5', 'terminal'],
    }
    for (const reason of DECLINE_REASONS) {
      const [code, decision] = expected[reason]
      expect(emulator.declineFor(reason)).toEqual({code, decision})
      expect(classifyRefusal(code!)).toBe(decision)
    }
    expect(classifyRefusal('46')).toBe('terminal')
    expect(classifyRefusal('28')).toBe('retry')
    expect(classifyRefusal('999')).toBe('terminal') // unmapped decline: terminal (docs/gateways.md#declines-and-retries)
    expect(classifyRefusal('Pending')).toBe('unknown')
    expect(classifyRefusal('not enough balance')).toBe('retry')
  })

  it('parses classic and RFC 7807 error bodies and classifies transport failures', () => {
    expect(
      parseErrorBody(
        422,
        '{"status":422,"errorCode":"137","message":"Invalid amount specified","errorType":"validation","pspReference":"X1"}',
      ),
    ).toEqual({
      status: 422,
      errorCode: '137',
      message: 'Invalid amount specified',
      errorType: 'validation',
      pspReference: 'X1',
    })
    expect(
      parseErrorBody(
        500,
        '{"type":"https://docs.adyen.com/errors/internal","title":"Internal error","status":500,"detail":"Too many requests","errorCode":"00_500"}',
      ),
    ).toMatchObject({
      status: 500,
      errorCode: '00_500',
      message: 'Too many requests',
      errorType: 'https://docs.adyen.com/errors/internal',
    })
    expect(parseErrorBody(502, '<html>bad gateway</html>')).toMatchObject({status: 502, errorCode: null})
    const client = connect('http://127.0.0.1:1')
    const api = (status: number, text: string) =>
      new AdyenApiError('POST /v72/payments', status, parseErrorBody(status, text), 'adyen-test')
    expect(client.classifyError(api(500, '{"status":500,"errorCode":"00_500","detail":"Too many requests"}'))).toBe(
      'retry',
    )
    expect(client.classifyError(api(500, '{"status":500,"errorCode":"000","message":"Internal"}'))).toBe('unknown')
    expect(client.classifyError(api(422, '{"status":422,"errorCode":"137","message":"Invalid amount"}'))).toBe(
      'terminal',
    )
    expect(client.classifyError(api(429, ''))).toBe('retry')
    expect(client.classifyError(new TransportError('timeout', 'timeout'))).toBe('unknown')
    expect(client.classifyError(new CircuitOpenError('adyen-test', 0))).toBe('retry')
  })

  it('derives the report host from the checkout host', () => {
    expect(
      reportBaseUrl('https://1797a841fbb37ca7-AdyenDemo-checkout-live.adyenpayments.com/checkout', undefined),
    ).toBe('https://ca-live.adyen.com')
    expect(reportBaseUrl('https://checkout-test.adyen.com', undefined)).toBe('https://ca-test.adyen.com')
    expect(reportBaseUrl('http://127.0.0.1:5555/', undefined)).toBe('http://127.0.0.1:5555')
    expect(reportBaseUrl('https://checkout-test.adyen.com', 'https://reports.example/')).toBe('https://reports.example')
  })
})
