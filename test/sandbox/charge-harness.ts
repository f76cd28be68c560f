import type {Clock} from '../../src/core/clock.js'
import {createHttpClient} from '../../src/gateways/http.js'
import {type GatewayKind, loadAdapter} from '../../src/gateways/registry.js'
import type {CreatePaymentRequest, GatewayClient} from '../../src/gateways/types.js'
import {type ChargeRule, ChargeScript} from '../../src/sandbox/charge-rules.js'
import type {GatewayEmulator} from '../../src/sandbox/emulator.js'
import {generateScenario} from '../../src/sandbox/generate.js'
import type {Scenario, ScenarioCustomer} from '../../src/sandbox/model.js'
import {loadEmulator} from '../../src/sandbox/registry.js'
import {serveSandbox, type RunningSandbox} from '../../src/sandbox/serve.js'

/**
 * One gateway's emulator on loopback with a charge script, and its real adapter connected to it: what a retry
 * engine would talk to. The world has customers and no history, so only the script decides a charge.
 */
export interface ChargeHarness {
  kind: GatewayKind
  scenario: Scenario
  customer: ScenarioCustomer
  script: ChargeScript
  emulator: GatewayEmulator
  sandbox: RunningSandbox
  /** A new adapter client (its own HTTP client and breaker); `timeoutMs`/`maxRetries` tune the HTTP client. */
  client(http?: {timeoutMs?: number; maxRetries?: number}): Promise<GatewayClient>
  /** A charge of the customer's stored method under `key`. */
  request(key: string, minor?: number): CreatePaymentRequest
  close(): Promise<void>
}

export const START = '2026-01-01T00:00:00.000Z'
export const NOW = '2026-03-01T00:00:00.000Z'

export async function chargeHarness(
  kind: GatewayKind,
  rules: (customer: ScenarioCustomer) => ChargeRule[],
  clock: Clock,
): Promise<ChargeHarness> {
  const scenario = generateScenario({seed: 5, customers: 8, transactions: 0, start: START, end: NOW, gateways: [kind]})
  const customer = scenario.customers.find((c) => c.site === 'boston') ?? scenario.customers[0]!
  const script = new ChargeScript(rules(customer))
  const factory = await loadEmulator(kind)
  let emulator: GatewayEmulator | undefined
  const sandbox = await serveSandbox({
    emulators: {
      kinds: [kind],
      create: (_kind, {baseUrl}) => (emulator = factory({scenario, share: 'own', clock, baseUrl, charges: script})),
    },
    seed: 1,
    clock,
  })
  const gateway = sandbox.gateways[0]!
  const adapter = await loadAdapter(kind)
  return {
    kind,
    scenario,
    customer,
    script,
    emulator: emulator!,
    sandbox,
    async client(http = {}) {
      const client = createHttpClient({
        provider: `acme-${kind}`,
        baseUrl: gateway.baseUrl,
        idempotencyHeader: adapter.idempotencyHeader,
        retryAmbiguousPosts: adapter.retryAmbiguousPosts,
        retryHintHeader: adapter.retryHintHeader,
        clock,
        sleep: async () => {},
        ...http,
      })
      return adapter.connect(
        {providerId: `acme-${kind}`, baseUrl: gateway.baseUrl, settings: gateway.settings, secrets: gateway.secrets},
        {http: client, clock},
      )
    },
    request(key, minor = 1_250) {
      return {
        customerRef: customer.refs[kind],
        paymentMethodRef: customer.paymentMethods[kind],
        amount: {minor, currency: 'USD'},
        idempotencyKey: key,
        metadata: {invoice: `inv-${key}`},
      }
    },
    close: () => sandbox.close(),
  }
}
