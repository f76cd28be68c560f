import {describe, expect, it} from 'vitest'

import {ConfigError} from '../../src/core/errors.js'
import {createHttpClient} from '../../src/gateways/http.js'
import type {GatewayCall} from '../../src/core/gateway-call.js'

/** Credentials never travel over plain http to another machine, whatever the URL came from. */
describe('the HTTP client refuses plain http off this machine', () => {
  const client = (baseUrl: string, calls: GatewayCall[]) =>
    createHttpClient({
      provider: 'acme',
      baseUrl,
      idempotencyHeader: null,
      maxRetries: 0,
      recordCall: (c) => calls.push(c),
    })

  it.each([
    ['a base URL', 'http://api.example.invalid', '/v1/charges'],
    [
      'an absolute link (a report download)',
      'https://api.example.invalid',
      'http://reports.example.invalid/batch_1.csv',
    ],
    ['a private address', 'http://10.1.2.3:8080', '/v1/charges'],
  ])('%s: ConfigError (exit 78) before anything is sent', async (_what, baseUrl, path) => {
    const calls: GatewayCall[] = []
    const error = await client(baseUrl, calls)
      .request({method: 'GET', path, endpoint: 'GET /v1/charges', headers: {authorization: 'Bearer sk_test_x'}})
      .catch((e: unknown) => e)
    expect(error).toBeInstanceOf(ConfigError)
    expect((error as ConfigError).exitCode).toBe(78)
    expect((error as ConfigError).message).toMatch(/^acme GET \/v1\/charges: request not sent: plain http to .* https/)
    expect(calls).toEqual([])
  })
})
