import {execFileSync} from 'node:child_process'
import {mkdtempSync, readFileSync} from 'node:fs'
import {tmpdir} from 'node:os'
import {join} from 'node:path'
import {createServer, type Server} from 'node:https'
import type {AddressInfo} from 'node:net'

import {
  CheckoutAPI,
  Client,
  Config,
  EnvironmentEnum,
  hmacValidator,
  HttpURLConnectionClient,
  type Types,
} from '@adyen/api-library'
import {afterAll, beforeAll, describe, expect, it} from 'vitest'

import {createAdyenEmulator} from '../../../src/sandbox/adyen/emulator.js'
import type {EmulatorRequest} from '../../../src/sandbox/emulator.js'
import {generateScenario} from '../../../src/sandbox/generate.js'
import {paymentsFor, scenarioEvents} from '../../../src/sandbox/model.js'

const scenario = generateScenario({
  seed: 11,
  customers: 12,
  transactions: 160,
  start: '2024-01-01T00:00:00.000Z',
  end: '2024-02-15T00:00:00.000Z',
  gateways: ['adyen'],
})
const clock = {now: () => Date.parse('2024-02-16T00:00:00.000Z')}
const emulator = createAdyenEmulator({scenario, share: 'own', clock})

type NotificationRequestItem = Types.notification.NotificationRequestItem

describe('official @adyen/api-library accepts the emulator webhooks', () => {
  const hooks = emulator.webhooks(scenarioEvents(paymentsFor(scenario, 'adyen', 'own')), 'http://127.0.0.1/hook')
  const itemsOf = (body: string): NotificationRequestItem[] =>
    (
      JSON.parse(body) as {notificationItems: {NotificationRequestItem: NotificationRequestItem}[]}
    ).notificationItems.map((n) => n.NotificationRequestItem)

  it('validateHMAC is true for every notification, including REPORT_AVAILABLE', () => {
    const validator = new hmacValidator()
    const codes = new Set<string>()
    for (const hook of hooks) {
      for (const item of itemsOf(hook.body)) {
        codes.add(String(item.eventCode))
        expect(validator.validateHMAC(item, emulator.secrets.hmac_key!), hook.body).toBe(true)
      }
    }
    expect([...codes].sort()).toEqual(
      expect.arrayContaining(['AUTHORISATION', 'REFUND', 'CHARGEBACK', 'REPORT_AVAILABLE']),
    )
    expect(emulator.secrets.hmac_key).toMatch(/^[0-9A-F]{64}$/)
  })

  it('validateHMAC rejects a tampered notification', () => {
    const item = itemsOf(hooks.find((h) => h.body.includes('"AUTHORISATION"'))!.body)[0]!
    const validator = new hmacValidator()
    expect(
      validator.validateHMAC(
        {...item, amount: {...item.amount, value: (item.amount.value ?? 0) + 1}},
        emulator.secrets.hmac_key!,
      ),
    ).toBe(false)
    expect(
      validator.validateHMAC({...item, merchantReference: `${item.merchantReference}x`}, emulator.secrets.hmac_key!),
    ).toBe(false)
  })
})

/**
 * The SDK's transport speaks HTTPS only, so the emulator is served over TLS on loopback with a throw-away
 * self-signed certificate made here (never committed: a private key in the repository is a leak pattern).
 */
function loopbackCertificate(): {key: Buffer; cert: Buffer} | {skip: string} {
  const dir = mkdtempSync(join(tmpdir(), 'yms-tls-'))
  try {
    execFileSync(
      'openssl',
      [
        'req',
        '-x509',
        '-newkey',
        'ec',
        '-pkeyopt',
        'ec_paramgen_curve:prime256v1',
        '-nodes',
        '-keyout',
        join(dir, 'key.pem'),
        '-out',
        join(dir, 'cert.pem'),
        '-days',
        '1',
        '-subj',
        '/CN=127.0.0.1',
        '-addext',
        'subjectAltName=IP:127.0.0.1',
      ],
      {stdio: 'ignore'},
    )
    return {key: readFileSync(join(dir, 'key.pem')), cert: readFileSync(join(dir, 'cert.pem'))}
  } catch (error) {
    return {skip: `openssl could not make a loopback certificate (${(error as Error).message.split('\n')[0]})`}
  }
}
const tlsMaterial = loopbackCertificate()
if ('skip' in tlsMaterial) console.warn(`[skip] Adyen Checkout SDK over TLS: ${tlsMaterial.skip}`)

/**
 * The SDK's transport only speaks HTTPS and builds URLs from the environment (checkout-test.adyen.com), with no
 * public base-URL override in v32. So the emulator is served over TLS on loopback, and the SDK's own
 * HttpURLConnectionClient is used unchanged behind a ClientInterface (Client's public second argument) that
 * only swaps the origin: the SDK still serializes the request and sets X-API-Key and Idempotency-Key itself.
 */
describe.skipIf('skip' in tlsMaterial)('official @adyen/api-library Checkout client against the emulator', () => {
  let server: Server
  let origin: string
  const seen: EmulatorRequest[] = []

  beforeAll(async () => {
    const {key, cert} = tlsMaterial as {key: Buffer; cert: Buffer}
    server = createServer({key, cert}, (req, res) => {
      const chunks: Buffer[] = []
      req.on('data', (c: Buffer) => chunks.push(c))
      req.on('end', () => {
        void (async () => {
          const url = new URL(req.url ?? '/', 'https://127.0.0.1')
          const headers = Object.fromEntries(
            Object.entries(req.headers).map(([k, v]) => [k.toLowerCase(), Array.isArray(v) ? v.join(', ') : String(v)]),
          )
          const request: EmulatorRequest = {
            method: req.method ?? 'GET',
            path: url.pathname,
            query: url.searchParams,
            headers,
            rawBody: Buffer.concat(chunks),
          }
          seen.push(request)
          const out = await emulator.handle(request)
          res.writeHead(out.status, out.headers)
          res.end(out.body)
        })()
      })
    })
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
    origin = `https://127.0.0.1:${(server.address() as AddressInfo).port}`
  })
  afterAll(async () => {
    server.closeAllConnections()
    await new Promise<void>((resolve) => server.close(() => resolve()))
  })

  const checkoutFor = (apiKey: string): CheckoutAPI => {
    const transport = new HttpURLConnectionClient()
    const config = new Config({apiKey, environment: EnvironmentEnum.TEST, certificatePath: 'unencrypted'})
    const client = new Client(config, {
      request: (endpoint, json, cfg, isApiKeyRequired, options) =>
        transport.request(
          endpoint.replace('https://checkout-test.adyen.com', origin),
          json,
          cfg,
          isApiKeyRequired,
          options,
        ),
    })
    return new CheckoutAPI(client)
  }

  const customer = scenario.customers.find((c) => {
    const mine = scenario.payments.filter((p) => p.customer === c.id)
    return mine.length > 0 && mine[mine.length - 1]!.outcome === 'succeeded'
  })!

  const request = (value: number): Types.checkout.PaymentRequest =>
    ({
      amount: {currency: 'EUR', value},
      merchantAccount: emulator.settings.merchant_account!,
      reference: `${customer.refs.adyen}::retry-1`,
      paymentMethod: {type: 'scheme', storedPaymentMethodId: customer.paymentMethods.adyen},
      shopperReference: customer.refs.adyen,
      shopperInteraction: 'ContAuth',
      recurringProcessingModel: 'UnscheduledCardOnFile',
    }) as unknown as Types.checkout.PaymentRequest

  it('creates a payment, sends the SDK headers and replays on the same Idempotency-Key', async () => {
    const checkout = checkoutFor(emulator.secrets.api_key!)
    const first = await checkout.PaymentsApi.payments(request(1234), {idempotencyKey: 'sdk-key-1'})
    expect(first.resultCode).toBe('Authorised')
    expect(first.pspReference).toMatch(/^\d{16}$/)
    expect(first.amount).toEqual({currency: 'EUR', value: 1234})
    const sent = seen[seen.length - 1]!
    expect(sent.path).toBe('/v72/payments')
    expect(sent.headers['x-api-key']).toBe(emulator.secrets.api_key)
    expect(sent.headers['idempotency-key']).toBe('sdk-key-1')
    const replay = await checkout.PaymentsApi.payments(request(1234), {idempotencyKey: 'sdk-key-1'})
    expect(replay.pspReference).toBe(first.pspReference)
    const other = await checkout.PaymentsApi.payments(request(1234), {idempotencyKey: 'sdk-key-2'})
    expect(other.pspReference).not.toBe(first.pspReference)
  })

  it('lists payment methods and surfaces a classic 401 body as the SDK expects', async () => {
    const methods = await checkoutFor(emulator.secrets.api_key!).PaymentsApi.paymentMethods({
      merchantAccount: emulator.settings.merchant_account!,
    })
    expect(methods.paymentMethods?.[0]?.type).toBe('scheme')
    const error = await checkoutFor('AQE_wrong')
      .PaymentsApi.payments(request(100))
      .catch((e: unknown) => e)
    expect(error).toMatchObject({statusCode: 401, errorCode: '000'})
  })
})
