import {readFileSync} from 'node:fs'

import {afterEach, describe, expect, it} from 'vitest'

import {ConfigError} from '../../../src/core/errors.js'
import type {GatewayCall} from '../../../src/core/gateway-call.js'
import {AdyenApiError} from '../../../src/gateways/adyen/api-error.js'
import {adapter as adyenAdapter} from '../../../src/gateways/adyen/client.js'
import {createHttpClient} from '../../../src/gateways/http.js'
import {
  type EmulatorRequest,
  type EmulatorResponse,
  type RunningServer,
  serveHandler,
} from '../../../src/sandbox/emulator.js'

const sample = readFileSync(new URL('../../fixtures/adyen/sdr-official-sample.csv', import.meta.url), 'utf8')
const clock = {now: () => Date.parse('2024-05-01T00:00:00Z')}
const servers: RunningServer[] = []
afterEach(async () => {
  for (const s of servers.splice(0)) await s.close()
})

/** A stand-in report host answering `answer`; the adapter is the production one, its call log kept. */
async function pullFrom(
  answer: (req: EmulatorRequest) => EmulatorResponse,
  settings: Record<string, string> = {},
  secrets: Record<string, string> = {api_key: 'AQE_checkout'},
) {
  const seen: EmulatorRequest[] = []
  const server = await serveHandler(async (req) => {
    seen.push(req)
    return answer(req)
  })
  servers.push(server)
  const calls: GatewayCall[] = []
  const http = createHttpClient({
    provider: 'adyen-eu',
    baseUrl: server.baseUrl,
    idempotencyHeader: 'Idempotency-Key',
    clock,
    maxRetries: 0,
    recordCall: (c) => calls.push(c),
  })
  const client = adyenAdapter.connect(
    {
      providerId: 'adyen-eu',
      baseUrl: server.baseUrl,
      settings: {merchant_account: 'TestMerchant', ...settings},
      secrets,
    },
    {http, clock},
  )
  return {client, seen, calls}
}

const csv = (body: string): EmulatorResponse => ({status: 200, headers: {'content-type': 'text/csv'}, body})
const notFound: EmulatorResponse = {status: 404, headers: {'content-type': 'text/plain'}, body: 'Not Found'}

describe('the report batch walk', () => {
  it('ends on the 404 of a batch not generated yet, which the call log counts as a normal answer', async () => {
    const {client, calls} = await pullFrom((req) => (req.path.endsWith('_batch_1.csv') ? csv(sample) : notFound))
    const first = await client.fetchPage(null)
    expect(first).toMatchObject({next: {nextBatch: 2}, hasMore: true})
    expect(first.items).toHaveLength(2)
    const end = await client.fetchPage(first.next)
    expect(end).toEqual({items: [], invalid: [], next: {nextBatch: 2}, hasMore: false})
    expect(calls.map((c) => [c.status, c.outcome])).toEqual([
      [200, 'ok'],
      [404, 'ok'],
    ])
  })

  it('says so when no batch has ever been found: a wrong host or account must not look like an empty account', async () => {
    const {client, calls} = await pullFrom(() => notFound)
    const error = await client.fetchPage(null).catch((e: unknown) => e)
    expect(error).toBeInstanceOf(ConfigError)
    expect((error as ConfigError).message).toMatch(
      /^provider adyen-eu: no settlement details report has ever been found for merchant account TestMerchant \(http:\/\/127\.0\.0\.1:\d+\/reports\/download\/MerchantAccount\/TestMerchant\/settlement_detail_report_batch_1\.csv: HTTP 404\)$/,
    )
    expect((error as ConfigError).hint).toMatch(/ca-test\.adyen\.com.*ca-live\.adyen\.com.*report_base_url/)
    expect(calls.map((c) => c.outcome)).toEqual(['http_error'])
  })

  it('stops, keeping its cursor, on a 200 that is not a report (a proxy page) instead of walking batches for ever', async () => {
    const {client} = await pullFrom(() => ({
      status: 200,
      headers: {'content-type': 'text/html'},
      body: '<html>hi</html>',
    }))
    const error = await client.fetchPage({nextBatch: 4}).catch((e: unknown) => e)
    expect(error).toBeInstanceOf(ConfigError)
    expect((error as ConfigError).message).toMatch(
      /settlement_detail_report_batch_4\.csv is not a settlement details report/,
    )
    const empty = await (await pullFrom(() => csv(''))).client.fetchPage(null).catch((e: unknown) => e)
    expect(empty).toBeInstanceOf(ConfigError)
  })

  it("names the provider, not the gateway kind, in Adyen's errors", async () => {
    const {client} = await pullFrom(() => ({
      status: 500,
      headers: {'content-type': 'application/json'},
      body: '{"status":500,"errorCode":"000","message":"Internal","errorType":"internal"}',
    }))
    const error = await client.fetchPage(null).catch((e: unknown) => e)
    expect(error).toBeInstanceOf(AdyenApiError)
    expect((error as Error).message).toBe(
      'provider adyen-eu: Adyen GET /reports/download/settlement_detail_report_batch answered HTTP 500 000: Internal',
    )
  })

  it('passes on the skipped rows of the page', async () => {
    const mystery = sample.replace(',Settled,', ',NotDocumented,')
    const {client} = await pullFrom(() => csv(mystery))
    const page = await client.fetchPage(null)
    expect(page.skipped).toEqual([{externalId: 'batch-1-line-2', code: 'NotDocumented', reason: 'unknown_code'}])
  })
})

describe('report credentials', () => {
  const headersSent = async (settings: Record<string, string>, secrets: Record<string, string>) => {
    const {client, seen} = await pullFrom(() => csv(sample), settings, secrets)
    await client.fetchPage(null)
    const {authorization, 'x-api-key': apiKey} = seen[0]!.headers
    return {authorization, apiKey}
  }

  it('authenticates as the report user with Basic auth when report_user is set', async () => {
    const sent = await headersSent(
      {report_user: 'report@Company.Test'},
      {api_key: 'AQE_checkout', report_api_key: 'AQE_report', report_password: 'p@ss:word'},
    )
    expect(sent).toEqual({
      authorization: `Basic ${Buffer.from('report@Company.Test:p@ss:word').toString('base64')}`,
      apiKey: undefined,
    })
  })

  it('else with the report_api_key, else with the api_key', async () => {
    expect(await headersSent({}, {api_key: 'AQE_checkout', report_api_key: 'AQE_report'})).toEqual({
      authorization: undefined,
      apiKey: 'AQE_report',
    })
    expect(await headersSent({}, {api_key: 'AQE_checkout'})).toEqual({authorization: undefined, apiKey: 'AQE_checkout'})
  })

  it('needs no Checkout key to pull with a report credential, and asks for report_password when report_user is set', async () => {
    expect((await headersSent({}, {report_api_key: 'AQE_report'})).apiKey).toBe('AQE_report')
    const {client} = await pullFrom(() => csv(sample), {report_user: 'report@Company.Test'}, {api_key: 'AQE_checkout'})
    await expect(client.fetchPage(null)).rejects.toThrow(/report_password/)
  })
})
