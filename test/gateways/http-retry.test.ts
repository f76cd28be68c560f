import {inspect} from 'node:util'

import {afterEach, describe, expect, it} from 'vitest'

import {TransportError, type HttpClientOptions} from '../../src/gateways/http.js'
import {clientAgainst, fakeTime, json, reset, type Behaviour, type Loopback} from './http-loopback.js'

const servers: Loopback[] = []
afterEach(async () => {
  await Promise.all(servers.splice(0).map((s) => s.close()))
})

const setup = (script: Behaviour[], overrides: Partial<HttpClientOptions> = {}) =>
  clientAgainst(servers, script, {provider: 'stripe', idempotencyHeader: 'Idempotency-Key'}, overrides)

const get = {method: 'GET' as const, path: '/v1/events', endpoint: 'GET /v1/events'}
const post = {
  method: 'POST' as const,
  path: '/v1/payment_intents',
  endpoint: 'POST /v1/payment_intents',
  body: 'amount=100',
}

describe('backoff schedule', () => {
  it('sleeps random * min(cap, base * 2^retry) between attempts, then returns the last response', async () => {
    const {client, time, received} = await setup([json(503)], {
      maxRetries: 5,
      retryBaseDelayMs: 500,
      retryMaxDelayMs: 5000,
      random: () => 0.3,
    })
    const res = await client.request(get)
    expect(res.status).toBe(503)
    expect(received).toHaveLength(6)
    const expected = [0, 1, 2, 3, 4].map((retry) => 0.3 * Math.min(5000, 500 * Math.pow(2, retry)))
    expect(time.sleeps).toEqual(expected)
  })

  it('defaults to 2 retries with the stripe-node base of 500 ms', async () => {
    const {client, time, received} = await setup([json(500)], {random: () => 1 - 2 ** -20})
    await client.request(get)
    expect(received).toHaveLength(3)
    expect(time.sleeps[0]).toBeCloseTo(500, 0)
    expect(time.sleeps[1]).toBeCloseTo(1000, 0)
  })

  it('retries connection resets, 409 and 429, and succeeds when the gateway recovers', async () => {
    const {client, received, calls} = await setup([reset, json(409), json(429), json(200, {ok: true})], {maxRetries: 3})
    const res = await client.request(get)
    expect(res.json()).toEqual({ok: true})
    expect(received).toHaveLength(4)
    expect(calls.map((c) => [c.attempt, c.outcome, c.status])).toEqual([
      [1, 'network_error', null],
      [2, 'http_error', 409],
      [3, 'rate_limited', 429],
      [4, 'ok', 200],
    ])
  })

  it('returns non-retryable 4xx at once', async () => {
    for (const status of [400, 401, 402, 403, 404, 422]) {
      const {client, received, time} = await setup([json(status)])
      expect((await client.request(get)).status).toBe(status)
      expect(received).toHaveLength(1)
      expect(time.sleeps).toEqual([])
    }
  })

  it('maxRetries 0 means a single attempt', async () => {
    const {client, received} = await setup([json(503)], {maxRetries: 0})
    expect((await client.request(get)).status).toBe(503)
    expect(received).toHaveLength(1)
  })
})

describe('Retry-After', () => {
  it('waits the seconds form exactly instead of the jittered backoff', async () => {
    const {client, time, received} = await setup([json(429, {}, {'retry-after': '2'}), json(200)], {random: () => 0.9})
    expect((await client.request(get)).status).toBe(200)
    expect(received).toHaveLength(2)
    expect(time.sleeps).toEqual([2000])
  })

  it('waits until the HTTP-date form, measured on the injected clock', async () => {
    const time = fakeTime(Date.UTC(2030, 2, 4, 10, 0, 0))
    const {client, received} = await setup(
      [json(503, {}, {'retry-after': 'Mon, 04 Mar 2030 10:00:07 GMT'}), json(200)],
      {
        clock: time.clock,
        sleep: time.sleep,
      },
    )
    expect((await client.request(get)).status).toBe(200)
    expect(received).toHaveLength(2)
    expect(time.sleeps).toEqual([7000])
  })

  it('gives up and returns the response when the wait exceeds the cap', async () => {
    const {client, time, received} = await setup([json(429, {}, {'retry-after': '61'}), json(200)], {
      maxRetryAfterMs: 60_000,
    })
    const res = await client.request(get)
    expect(res.status).toBe(429)
    expect(res.headers['retry-after']).toBe('61')
    expect(received).toHaveLength(1)
    expect(time.sleeps).toEqual([])
  })

  it('does not make a non-retryable status retryable', async () => {
    const {client, received} = await setup([json(400, {}, {'retry-after': '1'}), json(200)])
    expect((await client.request(get)).status).toBe(400)
    expect(received).toHaveLength(1)
  })
})

describe("a gateway's retry-hint header (Stripe-Should-Retry)", () => {
  const hinted = {retryHintHeader: 'stripe-should-retry'}

  it('false stops a retry the status would have caused', async () => {
    const {client, received} = await setup([json(500, {}, {'stripe-should-retry': 'false'}), json(200)], hinted)
    expect((await client.request(post)).status).toBe(500)
    expect(received).toHaveLength(1)
  })

  it('true retries a status that would not have been', async () => {
    const {client, received} = await setup([json(400, {}, {'stripe-should-retry': 'true'}), json(200)], hinted)
    expect((await client.request(post)).status).toBe(200)
    expect(received).toHaveLength(2)
  })

  it('is ignored for a gateway that has none', async () => {
    const {client, received} = await setup([json(500, {}, {'stripe-should-retry': 'false'}), json(200)])
    expect((await client.request(post)).status).toBe(200)
    expect(received).toHaveLength(2)
  })
})

describe('idempotency keys', () => {
  it('sends one generated key on every retry of a POST, and a new key for the next request', async () => {
    const {client, received} = await setup([json(503), reset, json(200), json(200)])
    expect((await client.request(post)).status).toBe(200)
    const keys = received.slice(0, 3).map((r) => r.headers['idempotency-key'])
    expect(keys[0]).toMatch(/^yms-pay-[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/)
    expect(new Set(keys)).toEqual(new Set([keys[0]]))
    expect(received.slice(0, 3).map((r) => r.body)).toEqual(['amount=100', 'amount=100', 'amount=100'])

    await client.request(post)
    expect(received[3]?.headers['idempotency-key']).toMatch(/^yms-pay-/)
    expect(received[3]?.headers['idempotency-key']).not.toBe(keys[0])
  })

  it("reuses the caller's key (from the request or its headers) on every retry", async () => {
    const {client, received} = await setup([json(500), json(200)])
    await client.request({...post, idempotencyKey: 'order-42-attempt-1'})
    expect(received.map((r) => r.headers['idempotency-key'])).toEqual(['order-42-attempt-1', 'order-42-attempt-1'])

    const second = await setup([json(500), json(200)], {idempotencyHeader: 'PayPal-Request-Id'})
    await second.client.request({...post, headers: {'paypal-request-id': 'pp-7'}})
    expect(second.received.map((r) => r.headers['paypal-request-id'])).toEqual(['pp-7', 'pp-7'])
  })

  it('sends no key on GETs, nor when the gateway takes it in the body', async () => {
    const {client, received} = await setup([json(200)])
    await client.request(get)
    expect(received[0]?.headers['idempotency-key']).toBeUndefined()

    const square = await setup([json(200)], {idempotencyHeader: null})
    await square.client.request(post)
    expect(Object.keys(square.received[0]?.headers ?? {}).filter((h) => h.includes('idempotency'))).toEqual([])
  })

  it('with retryAmbiguousPosts=false, a POST is not replayed after a 5xx or reset, but is after a 429', async () => {
    const {client, received} = await setup([json(502), json(200)], {
      idempotencyHeader: null,
      retryAmbiguousPosts: false,
    })
    expect((await client.request(post)).status).toBe(502)
    expect(received).toHaveLength(1)
    await expect(
      (await setup([reset, json(200)], {idempotencyHeader: null, retryAmbiguousPosts: false})).client.request(post),
    ).rejects.toMatchObject({reason: 'reset', attempts: 1})
    const limited = await setup([json(429), json(200)], {idempotencyHeader: null, retryAmbiguousPosts: false})
    expect((await limited.client.request(post)).status).toBe(200)
    // GETs keep retrying regardless.
    const reads = await setup([json(502), json(200)], {retryAmbiguousPosts: false})
    expect((await reads.client.request(get)).status).toBe(200)
  })
})

describe('call log and errors', () => {
  it('records every attempt with the endpoint label only', async () => {
    const {client, calls, time} = await setup([json(500), json(201)])
    await client.request({
      method: 'POST',
      path: '/v1/customers/cus_123/sources?expand[]=x',
      endpoint: 'POST /v1/customers/:id/sources',
      headers: {authorization: 'Bearer sk_test_x'},
    })
    expect(calls).toEqual([
      {
        provider: 'stripe',
        endpoint: 'POST /v1/customers/:id/sources',
        method: 'POST',
        status: 500,
        durationMs: 0,
        outcome: 'http_error',
        attempt: 1,
        at: time.clock.now() - time.sleeps[0]!,
      },
      {
        provider: 'stripe',
        endpoint: 'POST /v1/customers/:id/sources',
        method: 'POST',
        status: 201,
        durationMs: 0,
        outcome: 'ok',
        attempt: 2,
        at: time.clock.now(),
      },
    ])
  })

  it('never puts URLs, headers or bodies in a thrown error', async () => {
    const {client} = await setup([reset])
    const error = await client
      .request({
        method: 'POST',
        path: '/v1/charges/ch_SECRETID?token=QUERYSECRET',
        endpoint: 'POST /v1/charges/:id',
        headers: {authorization: 'Bearer sk_test_HEADERSECRET'},
        body: 'card=BODYSECRET',
      })
      .catch((e: unknown) => e)
    expect(error).toBeInstanceOf(TransportError)
    expect(error).toMatchObject({kind: 'network_error', reason: 'reset', attempts: 3})
    const everything =
      inspect(error, {depth: 10, showHidden: true}) + JSON.stringify(error) + String((error as Error).stack)
    for (const secret of ['SECRETID', 'QUERYSECRET', 'HEADERSECRET', 'BODYSECRET', '127.0.0.1'])
      expect(everything).not.toContain(secret)
    expect((error as Error).message).toContain('POST /v1/charges/:id')
  })
})
