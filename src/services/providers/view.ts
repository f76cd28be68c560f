import {maskUserInfo} from '../../core/credential-urls.js'
import {gatewayFacts, isGatewayKind} from '../../gateways/registry.js'
import {KeychainUnavailableError, type SecretStore} from '../../secrets/index.js'
import {dual} from '../../store/ops/dual.js'
import type {Ops} from '../../store/ops/op.js'
import {listGrants} from '../../store/repos/grants.js'
import type {Provider} from '../../store/repos/providers.js'
import {lastSyncOf} from '../../store/repos/purge.js'

export interface SecretPresence {
  field: string
  /** Where it would be read from; null = absent; 'unknown' when the keychain could not be asked. */
  source: 'env' | 'keychain' | 'unknown' | null
  envVar: string
  /** What needs it: every pull and payment ('api'), only webhook verification, or nothing ('optional': a fallback exists). */
  use: SecretUse
}

export type SecretUse = 'api' | 'webhooks' | 'optional'

export interface ProviderView {
  id: string
  kind: string
  enabled: boolean
  /** With any user name or password masked (`https://***@host`): a URL stored before they were refused. */
  baseUrl: string
  sites: string[]
  settings: Record<string, string>
  grants: Array<{segment: string; site: string; access: 'read' | 'write'}>
  secrets: SecretPresence[]
  fallback: string | null
  retrySchedule: string | null
  maxRetries: number | null
  lastSync: string | null
}

/** Facts only: listing providers must not load every adapter (start-up time). */
export function secretFieldsOf(kind: string): readonly string[] {
  return isGatewayKind(kind) ? gatewayFacts(kind).secretFields : []
}

/** What a gateway's secret field is needed for (its facts say which fields are webhook-only or optional). */
function secretUse(kind: string, field: string): SecretUse {
  if (!isGatewayKind(kind)) return 'api'
  const facts = gatewayFacts(kind)
  if (facts.webhookSecretFields.includes(field)) return 'webhooks'
  return facts.optionalSecretFields?.includes(field) ? 'optional' : 'api'
}

/** What the ledger holds about a provider beside its row: its grants and its last sync. */
export interface ProviderFacts {
  provider: Provider
  grants: ProviderView['grants']
  lastSync: string | null
}

export const providerFacts = dual(function* providerFacts(p: Provider): Ops<ProviderFacts> {
  const grants = (yield* listGrants.ops(p.id)).map((g) => ({segment: g.segment, site: g.site, access: g.access}))
  return {provider: p, grants, lastSync: yield* lastSyncOf.ops(p.id)}
})

/** The view of a provider: its facts, read in a transaction, and where its secrets are, asked of the keychain after. */
export function providerView(facts: ProviderFacts, secrets: SecretStore): ProviderView {
  const p = facts.provider
  const defaultBaseUrl = isGatewayKind(p.kind) ? gatewayFacts(p.kind).defaultBaseUrl : ''
  return {
    id: p.id,
    kind: p.kind,
    enabled: p.enabled,
    baseUrl: maskUserInfo(p.baseUrl ?? defaultBaseUrl),
    sites: p.sites,
    settings: p.settings,
    grants: facts.grants,
    secrets: secretFieldsOf(p.kind).map((field) => ({
      field,
      source: presence(secrets, p.id, field).source,
      envVar: secrets.envVarName(p.id, field),
      use: secretUse(p.kind, field),
    })),
    fallback: p.fallback,
    retrySchedule: p.retrySchedule,
    maxRetries: p.maxRetries,
    lastSync: facts.lastSync,
  }
}

/**
 * One line per secret field that neither the environment nor the keychain provides, naming the variable that would:
 * a provider whose secrets are missing cannot sync, and an admin setting it up unattended must hear it now.
 */
export function missingSecretWarnings(secrets: SecretStore, id: string, kind: string): string[] {
  return secretFieldsOf(kind).flatMap((field) => {
    const use = secretUse(kind, field)
    // An optional secret has a fallback credential: its absence is normal, not something to warn about.
    if (use === 'optional') return []
    const {source, keychainProblem} = presence(secrets, id, field)
    if (source !== null && source !== 'unknown') return []
    const name = use === 'webhooks' ? `${field} (needed only to verify webhooks)` : field
    const variable = secrets.envVarName(id, field)
    return source === null
      ? [`secret ${name} is not set: set ${variable} or run \`yms-pay providers rotate-secret ${id} --field ${field}\``]
      : [
          `secret ${name} is not set: set ${variable} (it is not in the environment, and the OS keychain is unavailable: ${keychainProblem})`,
        ]
  })
}

function presence(
  secrets: SecretStore,
  id: string,
  field: string,
): {source: SecretPresence['source']; keychainProblem?: string} {
  try {
    return {source: secrets.source(id, field)}
  } catch (error) {
    const reason = error instanceof KeychainUnavailableError ? error.reason : (error as Error).message
    return {source: 'unknown', keychainProblem: reason}
  }
}
