import {createHttpClient} from '../../../src/gateways/http.js'
import {
  connectBraintree,
  type BraintreeClient,
  type BraintreeConnectOptions,
} from '../../../src/gateways/braintree/client.js'
import {createBraintreeEmulator, type BraintreeEmulatorOptions} from '../../../src/sandbox/braintree/emulator.js'
import type {GatewayEmulator} from '../../../src/sandbox/emulator.js'
import {serveEmulator, type RunningServer} from '../../../src/sandbox/emulator.js'
import {generateScenario} from '../../../src/sandbox/generate.js'
import type {Scenario} from '../../../src/sandbox/model.js'
import type {Clock} from '../../../src/core/clock.js'

export const START = '2026-01-01T00:00:00.000Z'
export const END = '2026-03-01T00:00:00.000Z'

export function scenario(transactions: number, seed = 7): Scenario {
  return generateScenario({
    seed,
    customers: Math.max(20, Math.floor(transactions / 10)),
    transactions,
    start: START,
    end: END,
    gateways: ['braintree'],
  })
}

export function mutableClock(iso: string): Clock & {set(iso: string): void} {
  let now = Date.parse(iso)
  return {now: () => now, set: (next) => (now = Date.parse(next))}
}

export interface Served {
  emulator: GatewayEmulator
  server: RunningServer
  client: BraintreeClient
}

export async function serve(
  world: Scenario,
  clock: Clock,
  opts: {
    emulator?: Partial<BraintreeEmulatorOptions>
    connect?: BraintreeConnectOptions
    baseUrl?: string
    providerId?: string
  } = {},
): Promise<Served> {
  const emulator = createBraintreeEmulator({scenario: world, share: 'own', clock, ...opts.emulator})
  const server = await serveEmulator(emulator)
  const client = connectClient(emulator, opts.baseUrl ?? server.baseUrl, clock, opts.connect, opts.providerId)
  return {emulator, server, client}
}

export function connectClient(
  emulator: GatewayEmulator,
  baseUrl: string,
  clock: Clock,
  connect?: BraintreeConnectOptions,
  providerId = 'bt',
): BraintreeClient {
  const http = createHttpClient({
    provider: providerId,
    baseUrl,
    idempotencyHeader: null,
    retryAmbiguousPosts: false,
    clock,
    sleep: async () => undefined,
    maxRetries: 3,
  })
  return connectBraintree(
    {providerId, baseUrl, settings: emulator.settings, secrets: emulator.secrets},
    {http, clock},
    connect,
  )
}
