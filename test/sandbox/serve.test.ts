import {createServer} from 'node:net'
import type {AddressInfo} from 'node:net'

import {request} from 'undici'
import {afterEach, describe, expect, it} from 'vitest'

import type {GatewayKind} from '../../src/gateways/registry.js'
import {UsageError} from '../../src/core/errors.js'
import {generateScenario} from '../../src/sandbox/generate.js'
import {paymentsFor, scenarioEvents} from '../../src/sandbox/model.js'
import {serveSandbox, webhookUrlFor, type RunningSandbox} from '../../src/sandbox/serve.js'
import {fakeEmulator} from './fake-emulator.js'
import {startReceiver} from './receiver.js'

const scenario = generateScenario({
  seed: 5,
  customers: 20,
  transactions: 100,
  start: '2025-01-01T00:00:00.000Z',
  end: '2025-01-10T00:00:00.000Z',
  gateways: ['stripe', 'square'],
})
const cleanups: (() => Promise<void>)[] = []
afterEach(async () => {
  for (const c of cleanups.splice(0)) await c()
})

async function serve(opts: Parameters<typeof serveSandbox>[0]): Promise<RunningSandbox> {
  const sandbox = await serveSandbox(opts)
  cleanups.push(sandbox.close)
  return sandbox
}

async function freePortPair(): Promise<number> {
  for (;;) {
    const probe = createServer()
    await new Promise<void>((resolve) => probe.listen(0, '127.0.0.1', resolve))
    const {port} = probe.address() as AddressInfo
    await new Promise<void>((resolve) => probe.close(() => resolve()))
    if (port < 65_000) return port
  }
}

const get = async (url: string): Promise<{status: number; body: string}> => {
  const response = await request(url)
  return {status: response.statusCode, body: await response.body.text()}
}

describe('serveSandbox', () => {
  it('serves each emulator on its own ephemeral loopback port with its credentials and settings', async () => {
    const sandbox = await serve({
      emulators: [
        fakeEmulator(scenario, {kind: 'stripe'}),
        fakeEmulator(scenario, {kind: 'square', settings: {location_id: 'L1'}}),
      ],
      seed: 1,
    })
    expect(sandbox.gateways.map((g) => g.kind)).toEqual(['stripe', 'square'])
    const [stripe, square] = sandbox.gateways
    expect(stripe!.baseUrl).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/)
    expect(stripe!.baseUrl).not.toBe(square!.baseUrl)
    expect(stripe!.secrets).toEqual({api_key: 'sk_test_fake', webhook_secret: 'whsec_fake'})
    expect(square!.settings).toEqual({location_id: 'L1'})
    expect(JSON.parse((await get(`${square!.baseUrl}/hello`)).body)).toMatchObject({ok: true, path: '/hello'})
  })

  it('puts a fixed --port p on p, p+1, … and frees them on close', async () => {
    const port = await freePortPair()
    const sandbox = await serveSandbox({
      emulators: {kinds: ['stripe', 'square'], create: (kind) => fakeEmulator(scenario, {kind})},
      port,
      seed: 1,
    })
    expect(sandbox.gateways.map((g) => g.baseUrl)).toEqual([`http://127.0.0.1:${port}`, `http://127.0.0.1:${port + 1}`])
    expect((await get(`http://127.0.0.1:${port + 1}/x`)).status).toBe(200)
    await sandbox.close()
    await expect(get(`http://127.0.0.1:${port}/x`)).rejects.toThrow()
  })

  it('hands a factory the base URL it is served on', async () => {
    const seen: Record<string, string> = {}
    const sandbox = await serve({
      emulators: {
        kinds: ['paypal'],
        create: (kind: GatewayKind, ctx) => {
          seen[kind] = ctx.baseUrl
          return fakeEmulator(scenario, {kind, settings: {cert_base: ctx.baseUrl}})
        },
      },
      seed: 1,
    })
    expect(seen.paypal).toBe(sandbox.gateways[0]!.baseUrl)
    expect(sandbox.gateways[0]!.settings.cert_base).toBe(sandbox.gateways[0]!.baseUrl)
  })

  it('rejects the same gateway twice and a port range past 65535', async () => {
    await expect(serveSandbox({emulators: [fakeEmulator(scenario), fakeEmulator(scenario)], seed: 1})).rejects.toThrow(
      UsageError,
    )
    await expect(
      serveSandbox({
        emulators: {kinds: ['stripe', 'square'], create: (kind) => fakeEmulator(scenario, {kind})},
        port: 65_535,
        seed: 1,
      }),
    ).rejects.toThrow(/consecutive ports/)
  })

  it('injects the configured faults per emulator, deterministically from the seed', async () => {
    const run = async (): Promise<number[]> => {
      const sandbox = await serve({
        emulators: [fakeEmulator(scenario)],
        seed: 9,
        faults: {rate: 0.5, kinds: ['500', '429']},
      })
      const statuses: number[] = []
      for (let i = 0; i < 20; i++) statuses.push((await get(`${sandbox.gateways[0]!.baseUrl}/ping`)).status)
      expect(sandbox.faultCounts().stripe!['500'] + sandbox.faultCounts().stripe!['429']).toBe(
        statuses.filter((s) => s !== 200).length,
      )
      return statuses
    }
    const first = await run()
    expect(new Set(first)).toEqual(new Set([200, 500, 429]))
    expect(await run()).toEqual(first)
  })

  it('delivers each gateway its own webhooks at /…/{kind}, twice under the duplicate fault', async () => {
    const receiver = await startReceiver()
    cleanups.push(receiver.close)
    const sandbox = await serve({
      emulators: {kinds: ['stripe', 'square'], create: (kind) => fakeEmulator(scenario, {kind})},
      seed: 3,
      faults: {rate: 1, kinds: ['duplicate']},
      webhooksTo: `${receiver.url}/webhooks/{kind}`,
      scenario,
      clock: {now: () => Date.parse(scenario.end)},
      webhookPollMs: 0,
    })
    for (const kind of ['stripe', 'square'] as const) await sandbox.deliveries.get(kind)!.deliverDue()
    for (const kind of ['stripe', 'square'] as const) {
      const expected = scenarioEvents(paymentsFor(scenario, kind, 'own')).length
      expect(expected).toBeGreaterThan(0)
      expect(sandbox.webhookStats()[kind]).toMatchObject({delivered: expected, duplicates: expected, failed: 0})
      expect(receiver.received.filter((r) => r.path === `/webhooks/${kind}`).length).toBe(2 * expected)
    }
  })

  it('expands the receiver URL template', () => {
    expect(webhookUrlFor('http://h/webhooks/{kind}', 'adyen')).toBe('http://h/webhooks/adyen')
    expect(webhookUrlFor('http://h/webhooks/', 'adyen')).toBe('http://h/webhooks/adyen')
    expect(webhookUrlFor('http://h/in', 'adyen')).toBe('http://h/in')
  })
})
