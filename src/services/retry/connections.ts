import type {AppContext} from '../../app/context.js'
import type {GatewayCall} from '../../core/gateway-call.js'
import type {HttpClientOptions} from '../../gateways/http.js'
import type {CreatePaymentRequest, GatewayClient, GatewayFacts, PaymentOutcome} from '../../gateways/types.js'
import {scrubSecrets} from '../../secrets/index.js'
import type {LedgerHandle} from '../../store/ops/ledger-handle.js'
import type {Provider} from '../../store/repos/providers.js'
import {openSecretStore} from '../secret-store.js'
import {connectProvider} from '../sync/connect.js'

/**
 * The gateways one retry run talks to: one client per provider (so its circuit breaker sees every request of the
 * run), and whether each is up. "Up" is learned by a probe the first time a run would send a payment there: the
 * adapter's connection test, a read that charges nobody. A provider that fails it (or whose breaker opens later in
 * the run) is down for the rest of the run, which is what lets an attempt go to a fallback before anything was sent
 * to the primary.
 */
export interface Gateway {
  facts: GatewayFacts
  client: GatewayClient
  /** Present on gateways without idempotency (docs/gateways.md#braintree-idempotency): finds a payment by its request. */
  lookup: ((req: CreatePaymentRequest, sinceMs: number, signal?: AbortSignal) => Promise<PaymentOutcome>) | null
}

export interface RunConnections {
  open(provider: Provider): Promise<Gateway>
  /** null when the provider answers; otherwise why it cannot take a payment now. */
  unavailable(provider: Provider): Promise<string | null>
  markDown(providerId: string, why: string): void
  /** The calls made since the last drain, for the uptime metric. */
  drainCalls(): GatewayCall[]
}

export interface ConnectionOptions {
  http?: Pick<HttpClientOptions, 'timeoutMs' | 'maxRetries'>
  signal?: AbortSignal
  /** Dry runs ask no gateway: a provider counts as up unless it is disabled. */
  probe?: boolean
  /** Replaces connecting through the provider's adapter (tests script a gateway's answers). */
  connect?: (provider: Provider) => Promise<Gateway>
}

type LookupClient = GatewayClient & {
  lookupPayment(req: CreatePaymentRequest, sinceMs: number, signal?: AbortSignal): Promise<PaymentOutcome>
}

function hasLookup(client: GatewayClient): client is LookupClient {
  return typeof (client as Partial<LookupClient>).lookupPayment === 'function'
}

export async function runConnections(
  ledger: LedgerHandle,
  ctx: AppContext,
  opts: ConnectionOptions = {},
): Promise<RunConnections> {
  const secrets = await ledger.read(openSecretStore.ops(ctx))
  const calls: GatewayCall[] = []
  const gateways = new Map<string, Promise<Gateway>>()
  const health = new Map<string, Promise<string | null>>()

  const open = (provider: Provider): Promise<Gateway> => {
    let gateway = gateways.get(provider.id)
    if (!gateway) {
      gateway = opts.connect
        ? opts.connect(provider)
        : connectProvider(ctx, provider, {secrets, onCall: (c) => calls.push(c), http: opts.http}).then(
            ({adapter, client}) => ({
              facts: adapter,
              client,
              lookup: hasLookup(client) ? client.lookupPayment.bind(client) : null,
            }),
          )
      gateways.set(provider.id, gateway)
    }
    return gateway
  }

  const probe = async (provider: Provider): Promise<string | null> => {
    if (!provider.enabled) return 'is disabled'
    if (opts.probe === false) return null
    try {
      await (await open(provider)).client.testConnection(opts.signal)
      return null
    } catch (error) {
      return `failed its probe (${scrubSecrets((error as Error).message)})`
    }
  }

  return {
    open,
    unavailable(provider) {
      let known = health.get(provider.id)
      if (!known) {
        known = probe(provider)
        health.set(provider.id, known)
      }
      return known
    },
    markDown(providerId, why) {
      health.set(providerId, Promise.resolve(why))
    },
    drainCalls: () => calls.splice(0),
  }
}
