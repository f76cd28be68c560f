import {afterAll, beforeAll, describe, expect, it} from 'vitest'

import {ExitCode, AuthError, ConfigError} from '../../../src/core/errors.js'
import {createHttpClient} from '../../../src/gateways/http.js'
import {createSecretStore} from '../../../src/secrets/store.js'
import {SquareApiError} from '../../../src/gateways/square/api-error.js'
import {squareIdempotencyKey} from '../../../src/gateways/square/payments.js'
import {adapter as squareAdapter} from '../../../src/gateways/square/client.js'
import {createSquareEmulator} from '../../../src/sandbox/square/emulator.js'
import type {GatewayClient, HttpRequest} from '../../../src/gateways/types.js'
import {type RunningServer, serveHandler} from '../../../src/sandbox/emulator.js'
import {DECLINE_REASONS} from '../../../src/sandbox/model.js'
import {manualClock, squareWorld} from './world.js'

const scenario = squareWorld({seed: 21, customers: 10, transactions: 50})
const clock = manualClock(scenario.end)
const emulator = createSquareEmulator({scenario, share: 'own', clock})
let server: RunningServer
const seen: {path: string; headers: Record<string, string>; body: string}[] = []

beforeAll(async () => {
  server = await serveHandler(async (req) => {
    seen.push({path: req.path, headers: req.headers, body: req.rawBody.toString('utf8')})
    return emulator.handle(req)
  })
})
afterAll(async () => server.close())

function connect(
  secrets: Record<string, string> = emulator.secrets,
  settings: Record<string, string> = {},
): GatewayClient {
  const http = createHttpClient({
    provider: 'sq',
    baseUrl: server.baseUrl,
    idempotencyHeader: squareAdapter.idempotencyHeader,
    maxRetries: 0,
    clock,
  })
  return squareAdapter.connect({providerId: 'sq', baseUrl: server.baseUrl, settings, secrets}, {http, clock})
}

const customer = scenario.customers[0]!
const money = {minor: 2599, currency: 'USD'}

describe('Square adapter shape', () => {
  it('declares its settings, secrets and capabilities', () => {
    expect(squareAdapter.kind).toBe('square')
    expect([...squareAdapter.capabilities].sort()).toEqual(['create_payment', 'pull', 'webhooks'])
    expect(squareAdapter.secretFields).toEqual(['access_token', 'signature_key'])
    expect(squareAdapter.idempotencyHeader).toBeNull()
    expect(squareAdapter.defaultBaseUrl).toBe('https://connect.squareup.com')
    expect(squareAdapter.settingsSchema.parse({location_id: 'L1', notification_url: 'https://x.example/h'})).toEqual({
      location_id: 'L1',
      notification_url: 'https://x.example/h',
    })
    expect(squareAdapter.settingsSchema.parse({})).toEqual({})
    expect(squareAdapter.settingsSchema.safeParse({notification_url: 'not a url'}).success).toBe(false)
    expect(squareAdapter.settingsSchema.safeParse({merchant_account: 'x'}).success).toBe(false)
  })

  it("a missing access token fails the first call needing it with the service's missing-secret error (naming the variable, not the secret)", async () => {
    const store = createSecretStore({env: {}, namespace: 'test-store'})
    const http = createHttpClient({
      provider: 'sq',
      baseUrl: server.baseUrl,
      idempotencyHeader: squareAdapter.idempotencyHeader,
      maxRetries: 0,
      clock,
    })
    const client = squareAdapter.connect(
      {
        providerId: 'sq',
        baseUrl: server.baseUrl,
        settings: {},
        secrets: {signature_key: 'k'},
        missingSecret: (field) => store.missingError('sq', field),
      },
      {http, clock},
    )
    const error = await client.testConnection().catch((e: unknown) => e)
    expect(error).toBeInstanceOf(ConfigError)
    expect((error as ConfigError).message).toContain('YMS_PAY_SECRET_SQ_ACCESS_TOKEN')
  })
})

describe('testConnection', () => {
  it('sends Bearer auth and Square-Version, and passes with the right token', async () => {
    seen.length = 0
    await connect().testConnection()
    expect(seen[0]?.path).toBe('/v2/locations')
    expect(seen[0]?.headers.authorization).toBe(`Bearer ${emulator.secrets.access_token}`)
    expect(seen[0]?.headers['square-version']).toBe('2026-05-20')
  })

  it('a refused token is an AuthError (exit 77) whose message holds no secret', async () => {
    const error = await connect({access_token: 'EAAAnot-the-token'})
      .testConnection()
      .catch((e: unknown) => e)
    expect(error).toBeInstanceOf(AuthError)
    expect((error as AuthError).exitCode).toBe(ExitCode.auth)
    expect((error as AuthError).message).toContain('UNAUTHORIZED')
    expect(`${(error as AuthError).message} ${(error as AuthError).hint}`).not.toContain('EAAAnot-the-token')
  })

  it('an unknown location_id setting is a ConfigError', async () => {
    await expect(connect(emulator.secrets, {location_id: 'LNOPE'}).testConnection()).rejects.toBeInstanceOf(ConfigError)
  })
})

describe('createPayment', () => {
  it('charges the card on file and returns the normalized payment', async () => {
    seen.length = 0
    const outcome = await connect().createPayment!({
      customerRef: customer.refs.square,
      paymentMethodRef: customer.paymentMethods.square,
      amount: money,
      idempotencyKey: 'retry-1',
      metadata: {invoice: 'inv-77', attempt: '2'},
    })
    expect(outcome.status).toBe('succeeded')
    if (outcome.status !== 'succeeded') return
    expect(outcome.item?.txn).toMatchObject({
      type: 'payment',
      status: 'succeeded',
      amount: money,
      customerRef: customer.refs.square,
      invoiceRef: 'inv-77',
    })
    const sent = JSON.parse(seen[0]!.body) as Record<string, unknown>
    expect(sent).toMatchObject({
      idempotency_key: 'retry-1',
      source_id: customer.paymentMethods.square,
      customer_id: customer.refs.square,
      amount_money: {amount: 2599, currency: 'USD'},
      autocomplete: true,
      reference_id: 'inv-77',
      note: 'invoice=inv-77; attempt=2',
    })
    expect(seen[0]!.headers['idempotency-key']).toBeUndefined()
  })

  it('the same idempotency key returns the original payment; a long key is hashed to 45 characters or fewer, stably', async () => {
    const long = `yms-retry-${'x'.repeat(80)}`
    expect(squareIdempotencyKey(long).length).toBeLessThanOrEqual(45)
    expect(squareIdempotencyKey(long)).toBe(squareIdempotencyKey(long))
    expect(squareIdempotencyKey(long)).not.toBe(squareIdempotencyKey(`${long}y`))
    const req = {
      customerRef: customer.refs.square,
      paymentMethodRef: customer.paymentMethods.square,
      amount: money,
      idempotencyKey: long,
      metadata: {},
    }
    const first = await connect().createPayment!(req)
    const second = await connect().createPayment!(req)
    expect(first.status).toBe('succeeded')
    expect(second.externalId).toBe(first.externalId)
    const reused = await connect().createPayment!({...req, amount: {minor: 1, currency: 'USD'}})
    expect(reused).toMatchObject({status: 'unknown', externalId: null})
    expect(reused.status === 'unknown' && reused.reason).toContain('IDEMPOTENCY_KEY_REUSED')
  })

  it.each(DECLINE_REASONS)('a %s decline fails with the emulator code and decision', async (reason) => {
    const outcome = await connect().createPayment!({
      customerRef: customer.refs.square,
      paymentMethodRef: `ccof:decline-${reason}`,
      amount: money,
      idempotencyKey: `decline-${reason}`,
      metadata: {},
    })
    expect(outcome.status).toBe('failed')
    if (outcome.status !== 'failed') return
    expect(outcome.failure).toMatchObject(emulator.declineFor(reason))
    expect(outcome.externalId).not.toBeNull()
    expect(outcome.item?.txn.status).toBe('failed')
  })

  it('an unknown card is a terminal failure; a refused token throws AuthError', async () => {
    const outcome = await connect().createPayment!({
      customerRef: 'c',
      paymentMethodRef: 'ccof:nope',
      amount: money,
      idempotencyKey: 'nf-1',
      metadata: {},
    })
    expect(outcome).toMatchObject({
      status: 'failed',
      externalId: null,
      failure: {code: 'NOT_FOUND', decision: 'terminal'},
    })
    await expect(
      connect({access_token: 'bad'}).createPayment!({
        customerRef: 'c',
        paymentMethodRef: 'x',
        amount: money,
        idempotencyKey: 'a-1',
        metadata: {},
      }),
    ).rejects.toBeInstanceOf(AuthError)
  })

  it('a 500 or a dropped connection is unknown, never failed', async () => {
    const broken = await serveHandler(async () => ({
      status: 500,
      headers: {'content-type': 'application/json'},
      body: JSON.stringify({errors: [{category: 'API_ERROR', code: 'INTERNAL_SERVER_ERROR', detail: 'boom'}]}),
    }))
    const reset = await serveHandler(async (_req, raw) => {
      raw.res.socket?.destroy()
      return null
    })
    try {
      for (const base of [broken.baseUrl, reset.baseUrl]) {
        const http = createHttpClient({provider: 'sq', baseUrl: base, idempotencyHeader: null, maxRetries: 0, clock})
        const client = squareAdapter.connect(
          {providerId: 'sq', baseUrl: base, settings: {}, secrets: emulator.secrets},
          {http, clock},
        )
        const outcome = await client.createPayment!({
          customerRef: 'c',
          paymentMethodRef: 'x',
          amount: money,
          idempotencyKey: 'u-1',
          metadata: {},
        })
        expect(outcome.status).toBe('unknown')
      }
    } finally {
      await broken.close()
      await reset.close()
    }
  })
})

describe('classifyError', () => {
  const client = () => connect()
  // Expected decisions typed from the reference notes behind docs/gateways.md#square-declines, not from the implementation.
  it.each([
    ['INSUFFICIENT_FUNDS', 'retry'],
    ['GENERIC_DECLINE', 'retry'],
    ['TRANSACTION_LIMIT', 'retry'],
    ['TEMPORARY_ERROR', 'retry'],
    ['CVV_FAILURE', 'terminal'],
    ['CARD_EXPIRED', 'terminal'],
    ['INVALID_ACCOUNT', 'terminal'],
    ['CARD_DECLINED_CALL_ISSUER', 'terminal'],
    ['ALLOWABLE_PIN_TRIES_EXCEEDED', 'terminal'],
    ['IDEMPOTENCY_KEY_REUSED', 'terminal'],
    ['A_CODE_SQUARE_ADDS_LATER', 'terminal'],
  ])('decline %s -> %s', (code, decision) => {
    expect(client().classifyError(code)).toBe(decision)
  })

  it('API errors: mapped code wins; unmapped 5xx and network failures are unknown; 429 retries', () => {
    const c = client()
    expect(
      c.classifyError(
        new SquareApiError(503, 'GET /v2/payments', [{category: 'API_ERROR', code: 'SERVICE_UNAVAILABLE'}]),
      ),
    ).toBe('unknown')
    expect(c.classifyError(new SquareApiError(502, 'GET /v2/payments', []))).toBe('unknown')
    expect(
      c.classifyError(
        new SquareApiError(429, 'GET /v2/payments', [{category: 'RATE_LIMIT_ERROR', code: 'RATE_LIMITED'}]),
      ),
    ).toBe('retry')
    expect(
      c.classifyError(
        new SquareApiError(400, 'POST /v2/payments', [{category: 'INVALID_REQUEST_ERROR', code: 'BAD_REQUEST'}]),
      ),
    ).toBe('terminal')
    expect(c.classifyError(new Error('socket hang up'))).toBe('unknown')
  })

  it('agrees with every decline the emulator produces', () => {
    for (const reason of DECLINE_REASONS) {
      const {code, decision} = emulator.declineFor(reason)
      expect(client().classifyError(code)).toBe(decision)
    }
  })

  it('fetchPage surfaces a 401 as AuthError and other refusals as SquareApiError', async () => {
    await expect(connect({access_token: 'bad'}).fetchPage(null)).rejects.toBeInstanceOf(AuthError)
    const teapot = await serveHandler(async () => ({
      status: 400,
      headers: {'content-type': 'application/json'},
      body: JSON.stringify({
        errors: [{category: 'INVALID_REQUEST_ERROR', code: 'INVALID_CURSOR', detail: 'bad cursor'}],
      }),
    }))
    try {
      const http = {
        request: (req: HttpRequest) =>
          createHttpClient({provider: 'sq', baseUrl: teapot.baseUrl, idempotencyHeader: null, maxRetries: 0}).request(
            req,
          ),
      }
      const c = squareAdapter.connect(
        {providerId: 'sq', baseUrl: teapot.baseUrl, settings: {}, secrets: emulator.secrets},
        {http, clock},
      )
      const error = await c.fetchPage(null).catch((e: unknown) => e)
      expect(error).toBeInstanceOf(SquareApiError)
      expect((error as SquareApiError).code).toBe('INVALID_CURSOR')
      expect(c.classifyError(error)).toBe('terminal')
    } finally {
      await teapot.close()
    }
  })
})
