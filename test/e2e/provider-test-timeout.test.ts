import {createServer, type Server, type ServerResponse} from 'node:http'
import type {AddressInfo} from 'node:net'
import {rmSync} from 'node:fs'

import {afterAll, beforeAll, describe, expect, it} from 'vitest'

import {runCli, tempHome} from '../helpers/cli.js'
import {homeQuery} from '../helpers/home-ledger.js'

/**
 * `providers test` against a gateway that accepts the connection and never answers: a connection test must answer
 * within seconds (one attempt per call, a short timeout), say what it tried, and exit 75 (try again later).
 */
describe('providers test against a gateway that hangs (built binary)', () => {
  const home = tempHome('yms-hang-')
  let server: Server
  const hanging: ServerResponse[] = []
  const env = {
    YMS_PAY_SECRET_HANG_STRIPE_API_KEY: 'sk_test_hangingGatewayKey',
    YMS_PAY_SECRET_HANG_PAYPAL_CLIENT_ID: 'paypal-hanging-client',
    YMS_PAY_SECRET_HANG_PAYPAL_CLIENT_SECRET: 'paypal-hanging-secret',
  }

  beforeAll(async () => {
    // Stripe's test call hangs; PayPal gets its token, then its first API call hangs.
    server = createServer((req, res) => {
      if (req.url?.startsWith('/paypal/v1/oauth2/token')) {
        res.writeHead(200, {'content-type': 'application/json'})
        return void res.end(JSON.stringify({access_token: 'A21-token', token_type: 'Bearer', expires_in: 32400}))
      }
      hanging.push(res)
    })
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
    const base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`
    for (const kind of ['stripe', 'paypal'])
      expect(
        (
          await runCli(['providers', 'add', `hang-${kind}`, '--kind', kind, '--base-url', `${base}/${kind}`], {
            home,
            env,
          })
        ).code,
      ).toBe(0)
  })
  afterAll(async () => {
    for (const res of hanging) res.destroy()
    await new Promise((resolve) => server?.close(resolve))
    rmSync(home, {recursive: true, force: true})
  })

  it.each([
    ['hang-stripe', 1],
    ['hang-paypal', 2],
  ])(
    '%s: exit 75 within seconds, naming what it tried; each call made once',
    async (id, calls) => {
      const started = Date.now()
      const r = await runCli(['providers', 'test', id, '--json'], {home, env, timeoutMs: 60_000})
      const elapsed = Date.now() - started
      expect(r.code, r.stdout + r.stderr).toBe(75)
      expect(elapsed).toBeLessThan(15_000)
      const error = r.json<{error: {code: string; message: string; hint: string}}>().error
      expect(error.code).toBe('gateway_unreachable')
      expect(error.message).toMatch(new RegExp(`^provider ${id}: no answer from http://127\\.0\\.0\\.1:\\d+/`))
      expect(error.message).toMatch(/(GET|POST) \/v\d[^:]*: timeout after \d+ ms/)
      expect(error.message).toMatch(/one attempt per call, no retries, 5 s per call/)
      const rows = await homeQuery<{attempt: number; outcome: string}>(
        home,
        'SELECT endpoint, attempt, outcome FROM gateway_calls WHERE provider = ? ORDER BY id',
        [id],
      )
      expect(rows).toHaveLength(calls)
      expect(rows.every((row) => row.attempt === 1)).toBe(true)
      expect(rows.at(-1)?.outcome).toBe('timeout')
    },
    70_000,
  )
})
