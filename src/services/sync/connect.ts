import type {AppContext} from '../../app/context.js'
import {ConfigError} from '../../core/errors.js'
import {createHttpClient, type GatewayHttpClient, type HttpClientOptions} from '../../gateways/http.js'
import {isGatewayKind, loadAdapter} from '../../gateways/registry.js'
import type {GatewayAdapter, GatewayClient} from '../../gateways/types.js'
import type {GatewayCall} from '../../core/gateway-call.js'
import type {SecretStore} from '../../secrets/index.js'
import type {Provider} from '../../store/repos/providers.js'

export interface Connection {
  adapter: GatewayAdapter
  client: GatewayClient
  http: GatewayHttpClient
}

/**
 * Builds a provider's client: its adapter, its secrets (environment, then the ledger's keychain entries: see
 * services/secret-store.ts; exit 78 naming the variable when an API secret is missing), and one HTTP client whose
 * calls land in `onCall` for the uptime metric. `http` tunes that client (a connection test: short, no retries).
 */
export async function connectProvider(
  ctx: AppContext,
  provider: Provider,
  opts: {
    secrets: SecretStore
    onCall?: (call: GatewayCall) => void
    purpose?: 'api' | 'webhooks'
    http?: Pick<HttpClientOptions, 'timeoutMs' | 'maxRetries'>
  },
): Promise<Connection> {
  if (!isGatewayKind(provider.kind)) throw new ConfigError(`provider ${provider.id} has unknown kind ${provider.kind}`)
  const adapter = await loadAdapter(provider.kind)
  const store = opts.secrets
  const secrets: Record<string, string> = {}
  const signing = new Set(adapter.webhookSecretFields)
  const optional = new Set(adapter.optionalSecretFields ?? [])
  for (const field of adapter.secretFields) {
    // A pull or a payment needs the API secrets; webhook verification needs the signing ones.
    const needed = opts.purpose === 'webhooks' ? signing.has(field) : !signing.has(field) && !optional.has(field)
    const value = needed ? store.require(provider.id, field) : safeGet(store, provider.id, field)
    if (value !== undefined) secrets[field] = value
  }
  const baseUrl = provider.baseUrl ?? adapter.defaultBaseUrl
  const http = createHttpClient({
    provider: provider.id,
    baseUrl,
    idempotencyHeader: adapter.idempotencyHeader,
    retryAmbiguousPosts: adapter.retryAmbiguousPosts,
    retryHintHeader: adapter.retryHintHeader,
    recordCall: opts.onCall,
    userAgent: 'yms-pay/0.1',
    ...opts.http,
  })
  const missingSecret = (field: string) => store.missingError(provider.id, field)
  const client = adapter.connect(
    {providerId: provider.id, baseUrl, settings: provider.settings, secrets, missingSecret},
    {http, clock: {now: ctx.now}},
  )
  return {adapter, client, http}
}

function safeGet(store: SecretStore, id: string, field: string): string | undefined {
  try {
    return store.get(id, field)
  } catch {
    return undefined // an optional secret behind an unreachable keychain is simply absent
  }
}
