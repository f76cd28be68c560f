import type {AppContext} from '../../app/context.js'
import type {GatewayCall} from '../../core/gateway-call.js'
import type {GatewayClient} from '../../gateways/types.js'
import type {LedgerHandle} from '../../store/ops/ledger-handle.js'
import {getProvider, type Provider} from '../../store/repos/providers.js'
import {openSecretStore} from '../secret-store.js'
import {connectProvider} from '../sync/connect.js'

/**
 * The server's view of the configured providers and their clients. A provider row is re-read at most every
 * PROVIDER_TTL_MS, so disabling one takes effect within a second; a client (its secrets) is kept CLIENT_TTL_MS, so
 * a rotated signing secret is picked up without a restart, and sooner when a signature fails (see `renew`).
 */
export interface Connections {
  provider(id: string): Promise<Provider | null>
  /** The provider's client: the signing secrets it needs, and its API secrets when configured (for fetches). */
  client(provider: Provider): Promise<GatewayClient>
  /** Connects again unless the client is younger than RENEW_AFTER_MS; true when a new client was made. */
  renew(provider: Provider): Promise<boolean>
  /** Gateway calls made since the last call (verification APIs, fetches), for the call log. */
  takeCalls(): GatewayCall[]
}

const PROVIDER_TTL_MS = 1_000
const CLIENT_TTL_MS = 60_000
const RENEW_AFTER_MS = 5_000

interface Cached {
  key: string
  at: number
  client: Promise<GatewayClient>
}

export async function createConnections(
  ledger: LedgerHandle,
  ctx: AppContext,
  now: () => number = Date.now,
): Promise<Connections> {
  const providers = new Map<string, {at: number; provider: Provider}>()
  // One read per provider at a time: requests arriving together for a provider not cached wait for the same one.
  const reading = new Map<string, Promise<Provider | null>>()
  const clients = new Map<string, Cached>()
  let calls: GatewayCall[] = []
  const secrets = await ledger.read(openSecretStore.ops(ctx))

  const connect = (provider: Provider): Cached => {
    const client = connectProvider(ctx, provider, {
      secrets,
      purpose: 'webhooks',
      onCall: (c) => calls.push(c),
    }).then((c) => c.client)
    // A failed connection (a missing secret) is not kept: the next delivery tries again.
    client.catch(() => clients.delete(provider.id))
    const cached = {key: provider.updatedAt, at: now(), client}
    clients.set(provider.id, cached)
    return cached
  }

  return {
    async provider(id) {
      const seen = providers.get(id)
      if (seen && now() - seen.at < PROVIDER_TTL_MS) return seen.provider
      let read = reading.get(id)
      if (!read) {
        read = ledger.read(getProvider.ops(id)).finally(() => reading.delete(id))
        reading.set(id, read)
      }
      const provider = await read
      // Unknown ids are not remembered: requests naming made-up ids must not grow the map.
      if (provider) providers.set(id, {at: now(), provider})
      else providers.delete(id)
      return provider
    },
    client(provider) {
      const cached = clients.get(provider.id)
      const fresh = cached && cached.key === provider.updatedAt && now() - cached.at < CLIENT_TTL_MS
      return (fresh ? cached : connect(provider)).client
    },
    async renew(provider) {
      const cached = clients.get(provider.id)
      if (cached && now() - cached.at < RENEW_AFTER_MS) return false
      await connect(provider).client
      return true
    },
    takeCalls() {
      const taken = calls
      calls = []
      return taken
    },
  }
}
