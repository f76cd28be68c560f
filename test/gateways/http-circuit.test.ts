import {afterEach, describe, expect, it} from 'vitest'

import {CircuitOpenError, type createHttpClient, type HttpClientOptions} from '../../src/gateways/http.js'
import {clientAgainst, json, reset, type Behaviour, type Loopback} from './http-loopback.js'

// The breaker over real loopback HTTP; cool-downs pass on the injected clock, nothing sleeps.
const servers: Loopback[] = []
afterEach(async () => {
  await Promise.all(servers.splice(0).map((s) => s.close()))
})

const setup = (script: Behaviour[], overrides: Partial<HttpClientOptions> = {}) =>
  clientAgainst(
    servers,
    script,
    {
      provider: 'paypal',
      idempotencyHeader: 'PayPal-Request-Id',
      maxRetries: 0,
      circuitFailureThreshold: 3,
      circuitCoolDownMs: 30_000,
    },
    overrides,
  )

const get = {method: 'GET' as const, path: '/v1/reporting/transactions', endpoint: 'GET /v1/reporting/transactions'}

/** A behaviour that holds its response until released, to keep a probe in flight. */
function gated(status: number) {
  let release!: () => void
  const released = new Promise<void>((r) => (release = r))
  let arrived!: () => void
  const arrival = new Promise<void>((r) => (arrived = r))
  const behaviour: Behaviour = (req, res) => {
    arrived()
    void released.then(() => json(status)(req, res))
  }
  return {behaviour, release, arrival}
}

async function openCircuit(client: ReturnType<typeof createHttpClient>) {
  for (let i = 0; i < 3; i++) await client.request(get).catch(() => undefined)
}

describe('circuit breaker over HTTP', () => {
  it('opens after N consecutive failed requests, then fails fast without touching the network', async () => {
    const {client, received, calls, time} = await setup([json(500), reset, json(429), json(200)])
    expect((await client.request(get)).status).toBe(500)
    await expect(client.request(get)).rejects.toMatchObject({name: 'TransportError'})
    expect(client.state()).toBe('closed')
    expect((await client.request(get)).status).toBe(429)
    expect(client.state()).toBe('open')

    const error = await client.request(get).catch((e: unknown) => e)
    expect(error).toBeInstanceOf(CircuitOpenError)
    expect(error).toMatchObject({provider: 'paypal', retryAtMs: time.clock.now() + 30_000})
    expect(received).toHaveLength(3)
    expect(calls.at(-1)).toMatchObject({
      outcome: 'circuit_open',
      status: null,
      endpoint: 'GET /v1/reporting/transactions',
      attempt: 1,
    })
    expect(client.circuit()).toMatchObject({state: 'open', consecutiveFailures: 3})
  })

  it('counts logical requests, not attempts', async () => {
    const {client, received} = await setup([json(503)], {maxRetries: 2, circuitFailureThreshold: 2})
    await client.request(get)
    expect(received).toHaveLength(3)
    expect(client.state()).toBe('closed')
    await client.request(get)
    expect(client.state()).toBe('open')
  })

  it('a 4xx answer is not a failure and resets the count', async () => {
    const {client} = await setup([json(500), json(500), json(404), json(500), json(500)])
    for (let i = 0; i < 5; i++) await client.request(get)
    expect(client.circuit()).toMatchObject({state: 'closed', consecutiveFailures: 2})
  })

  it('after the cool-down lets ONE probe through; its success closes the circuit', async () => {
    const probe = gated(200)
    const {client, received, time} = await setup([json(500), json(500), json(500), probe.behaviour, json(200)])
    await openCircuit(client)
    time.advance(29_999)
    await expect(client.request(get)).rejects.toBeInstanceOf(CircuitOpenError)
    time.advance(1)
    expect(client.state()).toBe('half_open')

    const inFlight = client.request(get)
    await probe.arrival
    await expect(client.request(get)).rejects.toBeInstanceOf(CircuitOpenError)
    expect(received).toHaveLength(4)
    probe.release()
    expect((await inFlight).status).toBe(200)
    expect(client.state()).toBe('closed')
    expect((await client.request(get)).status).toBe(200)
    expect(received).toHaveLength(5)
  })

  it('a failed probe re-opens the circuit for a new cool-down', async () => {
    const {client, received, time} = await setup([json(500), json(500), json(500), reset, json(200)])
    await openCircuit(client)
    time.advance(30_000)
    await expect(client.request(get)).rejects.toMatchObject({name: 'TransportError', reason: 'reset'})
    expect(client.circuit()).toMatchObject({state: 'open', retryAtMs: time.clock.now() + 30_000})
    await expect(client.request(get)).rejects.toBeInstanceOf(CircuitOpenError)
    expect(received).toHaveLength(4)
    time.advance(30_000)
    expect((await client.request(get)).status).toBe(200)
    expect(client.state()).toBe('closed')
  })
})
