import {afterEach, describe, expect, it} from 'vitest'

import {AuthError} from '../../../src/core/errors.js'
import {generateScenario} from '../../../src/sandbox/generate.js'
import {fakeClock} from './helpers.js'
import {type Harness, startHarness, syncOnce} from './harness.js'

const scenario = generateScenario({
  seed: 4,
  customers: 50,
  transactions: 600,
  start: '2025-01-01T00:00:00.000Z',
  end: '2025-01-20T00:00:00.000Z',
  gateways: ['paypal'],
})
let harness: Harness | null = null
afterEach(async () => {
  await harness?.close()
  harness = null
})

const tokenCalls = (h: Harness) => h.requests.filter((r) => r.path === '/v1/oauth2/token')

describe('PayPal OAuth', () => {
  it('sends Basic client credentials with grant_type=client_credentials and caches the token', async () => {
    const clock = fakeClock('2025-01-20T00:00:00.000Z')
    harness = await startHarness({scenario, share: 'own', clock})
    await syncOnce(harness.client, null, scenario.start)
    await syncOnce(harness.client, null, scenario.start)
    const apiCalls = harness.requests.filter((r) => r.path !== '/v1/oauth2/token').length
    expect(apiCalls).toBeGreaterThan(5)
    expect(tokenCalls(harness)).toHaveLength(1)
    const call = tokenCalls(harness)[0]!
    const {client_id: id, client_secret: secret} = harness.emulator.secrets
    expect(call.headers.authorization).toBe(`Basic ${Buffer.from(`${id}:${secret}`).toString('base64')}`)
    expect(call.headers['content-type']).toBe('application/x-www-form-urlencoded')
    expect(call.rawBody.toString()).toBe('grant_type=client_credentials')
  })

  it('refreshes before expires_in runs out (safety margin), not before', async () => {
    const clock = fakeClock('2025-01-20T00:00:00.000Z')
    harness = await startHarness({scenario, share: 'own', clock})
    await syncOnce(harness.client, null, scenario.start)
    clock.advance(32_400_000 - 10 * 60_000) // 10 minutes before expiry: still cached
    await syncOnce(harness.client, null, scenario.start)
    expect(tokenCalls(harness)).toHaveLength(1)
    clock.advance(6 * 60_000) // 4 minutes before expiry: inside the 5-minute margin
    await syncOnce(harness.client, null, scenario.start)
    expect(tokenCalls(harness)).toHaveLength(2)
    expect(harness.calls.filter((c) => c.status === 401)).toHaveLength(0)
  })

  it('on a 401 (token revoked early) fetches a new token once and repeats the call', async () => {
    const clock = fakeClock('2025-01-20T00:00:00.000Z')
    harness = await startHarness({scenario, share: 'own', clock})
    const first = await syncOnce(harness.client, null, scenario.start)
    harness.emulator.expireTokens()
    const second = await syncOnce(harness.client, first.cursor)
    expect(second.items.length).toBeGreaterThan(0)
    expect(tokenCalls(harness)).toHaveLength(2)
    expect(harness.calls.filter((c) => c.status === 401)).toHaveLength(1)
  })

  it('testConnection: invalid_client is an AuthError (exit 77) that does not echo the secret', async () => {
    const clock = fakeClock('2025-01-20T00:00:00.000Z')
    harness = await startHarness(
      {scenario, share: 'own', clock},
      {secrets: {client_id: 'AbadClient', client_secret: 'S3cr3t-do-not-print'}},
    )
    const error = await harness.client.testConnection().then(
      () => null,
      (e: unknown) => e,
    )
    expect(error).toBeInstanceOf(AuthError)
    expect((error as AuthError).exitCode).toBe(77)
    expect(String((error as AuthError).message) + String((error as AuthError).hint)).not.toContain('S3cr3t')
    expect((error as AuthError).message).toContain('invalid_client')
  })

  it('testConnection succeeds with the emulator credentials', async () => {
    const clock = fakeClock('2025-01-20T00:00:00.000Z')
    harness = await startHarness({scenario, share: 'own', clock})
    await expect(harness.client.testConnection()).resolves.toBeUndefined()
  })
})
