import type {AppContext} from '../../app/context.js'
import {cleartextProblem, hasUserInfo} from '../../core/credential-urls.js'
import {UsageError} from '../../core/errors.js'
import {gatewayFacts, isGatewayKind, type GatewayKind} from '../../gateways/registry.js'
import {envVarName} from '../../secrets/index.js'
import {dual} from '../../store/ops/dual.js'
import type {Ops} from '../../store/ops/op.js'
import {segmentUnknown} from '../../store/repos/grants.js'
import * as repo from '../../store/repos/providers.js'
import {getSite} from '../../store/repos/sites.js'

/**
 * Every check the providers commands make on what a user typed, in one place, so that `add`, `update`, `grant`,
 * `revoke`, `rotate-secret` and the rest accept and refuse the same things with the same words.
 */

/** An existing provider named by an argument: an id that breaks the rule says so rather than "unknown". */
export const requireProvider = dual(function* requireProvider(id: string): Ops<repo.Provider> {
  if (repo.providerIdProblem(id)) throw repo.invalidProviderId(id)
  const p = yield* repo.getProvider.ops(id)
  if (!p) throw new UsageError(`unknown provider "${id}"`, 'List them with `yms-pay providers list`.')
  return p
})

/**
 * An id for a new provider: valid, free, and not sharing a secret variable with another provider. `acme-stripe`,
 * `acme.stripe` and `ACME_STRIPE` all read YMS_PAY_SECRET_ACME_STRIPE_*: three providers, one key.
 */
export const checkNewProviderId = dual(function* checkNewProviderId(id: string, kind?: GatewayKind): Ops<void> {
  if (repo.providerIdProblem(id)) throw repo.invalidProviderId(id)
  if (yield* repo.getProvider.ops(id))
    throw new UsageError(`provider "${id}" already exists`, `Change it with \`yms-pay providers update ${id}\`.`)
  const mine = variablesOf(id, kind)
  for (const other of yield* repo.listProviders.ops()) {
    const theirs = new Set(variablesOf(other.id, isGatewayKind(other.kind) ? other.kind : undefined))
    const shared = mine.find((name) => theirs.has(name))
    if (shared === undefined) continue
    throw new UsageError(
      `provider id "${id}" would read the same secret variables as provider "${other.id}" (${shared}): both would use one key`,
      `Choose an id that differs from "${other.id}" in more than case and punctuation.`,
    )
  }
})

/** The secret variables of a provider; without a kind, the prefix alone (which is what the ids usually share). */
function variablesOf(id: string, kind: GatewayKind | undefined): string[] {
  const prefix = envVarName(id, 'X').replace(/_X$/, '_')
  const fields = kind ? gatewayFacts(kind).secretFields : []
  return [`${prefix}*`, ...fields.map((field) => envVarName(id, field))]
}

/** The sites a provider serves (`--site`, each must exist) and its `--fallback` (valid, existing, not itself). */
export const checkConnectionRefs = dual(function* checkConnectionRefs(
  id: string,
  refs: {sites?: readonly string[]; fallback?: string | null},
): Ops<void> {
  yield* repo.assertReferences.ops(id, refs)
})

/** The site of a grant: `*` (every site) or an existing one. */
export const checkGrantSite = dual(function* checkGrantSite(site: string): Ops<void> {
  if (site !== '*' && !(yield* getSite.ops(site))) throw repo.unknownSite(site)
})

/**
 * The segment of a grant: `*` or a name. A segment none of the imported customers has is accepted (more customers
 * may come) but said, since it is also what a typo looks like. Before any customer is imported there is nothing to
 * compare with, and nothing is said.
 */
export const checkSegment = dual(function* checkSegment(
  ctx: Pick<AppContext, 'warn'>,
  segment: string,
  opts: {warn: boolean},
): Ops<void> {
  if (segment.trim() === '' || segment !== segment.trim())
    throw new UsageError(`--segment ${JSON.stringify(segment)}: a segment name, or * for every segment`)
  if (opts.warn && segment !== '*' && (yield* segmentUnknown.ops(segment)))
    ctx.warn(`none of the imported customers has segment "${segment}": the grant matches nobody until one does`)
})

/** A secret field of the provider's kind (`rotate-secret --field`). */
export function checkSecretField(provider: repo.Provider, field: string): void {
  const fields = isGatewayKind(provider.kind) ? gatewayFacts(provider.kind).secretFields : []
  if (!fields.includes(field))
    throw new UsageError(`--field ${field}: ${provider.kind} secrets are ${fields.join(', ')}`)
}

/**
 * A URL the provider's credentials are sent to (`--base-url`, a `*_url` setting): http(s), https unless loopback,
 * and no user name or password in it, since secrets belong in the keychain or the environment.
 */
export function checkCredentialUrl(value: string, label: string): void {
  let url: URL
  try {
    url = new URL(value)
  } catch {
    throw new UsageError(`${label} ${JSON.stringify(value)} is not an http(s) URL`)
  }
  if (url.protocol !== 'https:' && url.protocol !== 'http:')
    throw new UsageError(`${label} ${JSON.stringify(value)} is not an http(s) URL`)
  if (hasUserInfo(url))
    throw new UsageError(
      `${label} must not carry a user name or password (user:password@host): it would be stored and shown in clear`,
      'Secrets go to the OS keychain (--secrets-from-stdin, rotate-secret) or YMS_PAY_SECRET_* variables.',
    )
  const problem = cleartextProblem(url)
  if (problem) throw new UsageError(`${label} ${url.origin}: ${problem}`)
}

/** Settings whose values are URLs (Adyen's report_base_url): the same rule as the base URL. */
export function checkSettingUrls(settings: Record<string, string>): void {
  for (const [name, value] of Object.entries(settings))
    if (/^[a-z][a-z0-9+.-]*:\/\//i.test(value)) checkCredentialUrl(value, `--setting ${name}`)
}
