import {afterEach, describe, expect, it} from 'vitest'

import {TransportError, type HttpClientOptions} from '../../src/gateways/http.js'
import {
  clientAgainst,
  hang,
  json,
  loopback,
  reset,
  stallBody,
  truncate,
  type Behaviour,
  type Loopback,
} from './http-loopback.js'

// Real loopback faults. Only the per-attempt timeouts run on the real clock (~60 ms each); backoff sleeps are injected.
const servers: Loopback[] = []
afterEach(async () => {
  await Promise.all(servers.splice(0).map((s) => s.close()))
})

const setup = (script: Behaviour[], overrides: Partial<HttpClientOptions> = {}) =>
  clientAgainst(servers, script, {provider: 'adyen', idempotencyHeader: 'Idempotency-Key'}, overrides)

const get = {method: 'GET' as const, path: '/reports/x.csv', endpoint: 'GET /reports/:name'}

describe('against a real loopback server', () => {
  it('(a) a server that never answers times out, and the request is retried', async () => {
    const {client, calls, received} = await setup([hang, json(200, {ok: 1})], {timeoutMs: 60})
    const started = Date.now()
    const res = await client.request(get)
    expect(res.json()).toEqual({ok: 1})
    expect(Date.now() - started).toBeGreaterThanOrEqual(50)
    expect(received).toHaveLength(2)
    expect(calls.map((c) => c.outcome)).toEqual(['timeout', 'ok'])
  })

  it('the timeout covers the body: headers then a stalled body times out too', async () => {
    const {client, calls} = await setup([stallBody, json(200, {ok: 2})], {timeoutMs: 60})
    expect((await client.request(get)).json()).toEqual({ok: 2})
    expect(calls.map((c) => c.outcome)).toEqual(['timeout', 'ok'])
  })

  it("a request's own timeoutMs overrides the client's, and a final timeout throws kind 'timeout'", async () => {
    const {client, received} = await setup([stallBody], {timeoutMs: 60_000, maxRetries: 0})
    const started = Date.now()
    const error = await client.request({...get, timeoutMs: 50}).catch((e: unknown) => e)
    expect(Date.now() - started).toBeLessThan(5_000)
    expect(error).toBeInstanceOf(TransportError)
    expect(error).toMatchObject({kind: 'timeout', reason: 'timeout', attempts: 1})
    expect((error as Error).message).toContain('after 50 ms')
    expect(received).toHaveLength(1)
  })

  it('(b) a reset connection is retried', async () => {
    const {client, calls, received} = await setup([reset, json(200, {ok: 3})])
    expect((await client.request(get)).json()).toEqual({ok: 3})
    expect(received).toHaveLength(2)
    expect(calls.map((c) => c.outcome)).toEqual(['network_error', 'ok'])
  })

  it('(c) a truncated body (content-length not reached) is retried', async () => {
    const {client, calls, received} = await setup([truncate, json(200, {ok: 4})])
    expect((await client.request(get)).json()).toEqual({ok: 4})
    expect(received).toHaveLength(2)
    expect(calls.map((c) => [c.outcome, c.status])).toEqual([
      ['network_error', null],
      ['ok', 200],
    ])
  })

  it('a truncated body on every attempt surfaces as reason truncated_body', async () => {
    const {client} = await setup([truncate])
    await expect(client.request(get)).rejects.toMatchObject({
      name: 'TransportError',
      kind: 'network_error',
      reason: 'truncated_body',
      attempts: 3,
    })
  })

  it('(d) succeeds on the 3rd attempt with the default of 2 retries', async () => {
    const {client, calls, received} = await setup([reset, json(503), json(200, {ok: 5})])
    expect((await client.request(get)).json()).toEqual({ok: 5})
    expect(received).toHaveLength(3)
    expect(calls.map((c) => c.attempt)).toEqual([1, 2, 3])
  })

  it('a refused connection is a network error with reason refused', async () => {
    const dead = await loopback([json(200)])
    const baseUrl = dead.baseUrl
    await dead.close()
    const {client, calls} = await setup([json(200)], {baseUrl})
    await expect(client.request(get)).rejects.toMatchObject({
      kind: 'network_error',
      reason: 'refused',
      code: 'ECONNREFUSED',
      attempts: 3,
    })
    expect(calls).toHaveLength(3)
  })

  it('a response over maxResponseBytes fails without retrying', async () => {
    const {client, received} = await setup([json(200, {blob: 'x'.repeat(2000)})], {maxResponseBytes: 1000})
    await expect(client.request(get)).rejects.toMatchObject({reason: 'too_large', attempts: 1})
    expect(received).toHaveLength(1)
  })
})

describe('caller cancellation', () => {
  it('aborting during an attempt rejects at once with the reason and does not retry', async () => {
    const {client, received, calls} = await setup([hang, json(200)], {timeoutMs: 60_000})
    const ctrl = new AbortController()
    setTimeout(() => ctrl.abort(new Error('user pressed ctrl-c')), 30)
    const started = Date.now()
    await expect(client.request(get, ctrl.signal)).rejects.toThrow('user pressed ctrl-c')
    expect(Date.now() - started).toBeLessThan(2_000)
    expect(received).toHaveLength(1)
    expect(calls).toEqual([]) // a cancellation says nothing about the gateway's uptime
    expect(client.circuit().consecutiveFailures).toBe(0)
  })

  it('aborting during the backoff wait (real abortable sleep) stops the retries', async () => {
    const {client, received} = await setup([json(503), json(200)], {
      sleep: undefined,
      retryBaseDelayMs: 60_000,
      random: () => 0.99,
    })
    const ctrl = new AbortController()
    setTimeout(() => ctrl.abort(), 50)
    const started = Date.now()
    await expect(client.request(get, ctrl.signal)).rejects.toMatchObject({name: 'AbortError'})
    expect(Date.now() - started).toBeLessThan(2_000)
    expect(received).toHaveLength(1)
  })

  it('an already-aborted signal never touches the network', async () => {
    const {client, received} = await setup([json(200)])
    await expect(client.request(get, AbortSignal.abort())).rejects.toMatchObject({name: 'AbortError'})
    expect(received).toHaveLength(0)
  })
})

describe('cancellation with an injected sleep that ignores the signal', () => {
  it('still stops before the next attempt', async () => {
    const ctrl = new AbortController()
    const {client, received} = await setup([json(503), json(200)], {
      sleep: async () => {
        ctrl.abort(new Error('cancelled while waiting'))
      },
    })
    await expect(client.request(get, ctrl.signal)).rejects.toThrow('cancelled while waiting')
    expect(received).toHaveLength(1)
  })
})
