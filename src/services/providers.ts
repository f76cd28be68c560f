import type {AppContext} from '../app/context.js'
import {parseSchedule} from '../core/duration.js'
import {UsageError} from '../core/errors.js'
import {isGatewayKind, type GatewayKind, loadAdapter} from '../gateways/registry.js'
import type {GatewayAdapter} from '../gateways/types.js'
import type {LedgerHandle} from '../store/ops/ledger-handle.js'
import {dual} from '../store/ops/dual.js'
import {now, type Ops} from '../store/ops/op.js'
import {addGrant} from '../store/repos/grants.js'
import * as repo from '../store/repos/providers.js'
import {cancelOpenRetriesOf} from '../store/repos/retries.js'
import {purgeProviderHistory} from '../store/repos/purge.js'
import {appendAudit} from './audit.js'
import {
  checkConnectionRefs,
  checkCredentialUrl,
  checkNewProviderId,
  checkSecretField,
  checkSegment,
  checkSettingUrls,
  requireProvider,
} from './providers/checks.js'
import {testProvider as testConnection, type TestResult} from './providers/test-connection.js'
import {
  missingSecretWarnings,
  providerFacts,
  providerView,
  secretFieldsOf,
  type ProviderView,
} from './providers/view.js'
import {buildWizardSource, type WizardSource} from './providers/wizard-source.js'
import type {SecretStore} from '../secrets/index.js'
import {openSecretStore} from './secret-store.js'

export {grantAccess, revokeAccess, type GrantResult} from './providers/access.js'
export {type TestResult} from './providers/test-connection.js'
export type {ProviderView, SecretPresence} from './providers/view.js'
export type {KindQuestions, WizardSource} from './providers/wizard-source.js'

/** Secrets given now, or read only once everything else has been checked (stdin: nothing read for a bad command). */
export type SecretsInput = Record<string, string> | (() => Promise<Record<string, string>>)

export interface AddProviderInput {
  id: string
  kind: GatewayKind
  baseUrl: string | null
  sites: string[]
  settings: Record<string, string>
  segments: string[]
  fallback: string | null
  retrySchedule: string | null
  maxRetries: number | null
  secrets: SecretsInput
}

export interface RemoveResult {
  id: string
  removed: boolean
  purged: boolean
  secretsDeleted: string[]
}

export interface RotateResult {
  id: string
  field: string
}

/** The settings as the adapter's schema reads them (defaults filled, values normalised), or a usage error. */
function validateSettings(adapter: GatewayAdapter, settings: Record<string, string>): Record<string, string> {
  const parsed = adapter.settingsSchema.safeParse(settings)
  if (!parsed.success) {
    throw new UsageError(
      `--setting for ${adapter.kind}: ${parsed.error.issues.map((i) => `${i.path.join('.') || 'settings'}: ${i.message}`).join('; ')}`,
      `See \`yms-pay providers add --help\` for the settings of each kind.`,
    )
  }
  checkSettingUrls(parsed.data)
  return parsed.data
}

/** Everything `add` is told, checked before any secret is read or stored; the settings as the adapter reads them. */
async function checkAddition(
  ledger: LedgerHandle,
  ctx: AppContext,
  input: AddProviderInput,
): Promise<Record<string, string>> {
  await ledger.read(checkNewProviderId.ops(input.id, input.kind))
  const adapter = await loadAdapter(input.kind)
  if (input.baseUrl !== null) checkCredentialUrl(input.baseUrl, '--base-url')
  const settings = validateSettings(adapter, input.settings)
  if (input.retrySchedule) parseSchedule(input.retrySchedule, '--retry-schedule')
  await ledger.read(
    (function* () {
      yield* checkConnectionRefs.ops(input.id, {sites: input.sites, fallback: input.fallback})
      for (const segment of input.segments) yield* checkSegment.ops(ctx, segment, {warn: true})
    })(),
  )
  return settings
}

/** The ledger's secret store (storeId is read once per call: the keychain is asked outside any transaction). */
function secretsOf(ledger: LedgerHandle, ctx: AppContext, opts?: {env?: NodeJS.ProcessEnv}): Promise<SecretStore> {
  return ledger.read(openSecretStore.ops(ctx, opts))
}

/** The provider as the commands show it: its facts in one snapshot, then where its secrets are. */
async function viewOf(ledger: LedgerHandle, secrets: SecretStore, id: string): Promise<ProviderView> {
  const facts = await ledger.read(
    (function* () {
      return yield* providerFacts.ops(yield* requireProvider.ops(id))
    })(),
  )
  return providerView(facts, secrets)
}

/**
 * Settings and grants go to the ledger database, secrets to the keychain. Secrets are written first and taken
 * back if the database refuses the provider, so a failed add leaves nothing half-done. A provider left without its
 * secrets (none given, none in the environment, or no keychain to ask) is added with a warning per field.
 */
export async function addProvider(
  ledger: LedgerHandle,
  ctx: AppContext,
  input: AddProviderInput,
  given?: SecretStore,
): Promise<ProviderView> {
  const secrets = given ?? (await secretsOf(ledger, ctx))
  const settings = await checkAddition(ledger, ctx, input)
  const values = typeof input.secrets === 'function' ? await input.secrets() : input.secrets
  const stored: string[] = []
  try {
    for (const [field, value] of Object.entries(values)) {
      secrets.set(input.id, field, value)
      stored.push(field)
    }
    await ledger.write(
      (function* () {
        yield* repo.insertProvider.ops({
          id: input.id,
          kind: input.kind,
          baseUrl: input.baseUrl,
          settings,
          fallback: input.fallback,
          retrySchedule: input.retrySchedule,
          maxRetries: input.maxRetries,
          sites: input.sites,
        })
        const sites = input.sites.length > 0 ? input.sites : ['*']
        for (const segment of input.segments)
          for (const site of sites) yield* addGrant.ops({provider: input.id, segment, site, access: 'write'})
        yield* appendAudit.ops({
          actor: ctx.actor,
          action: 'provider.add',
          provider: input.id,
          subject: input.id,
          outcome: 'ok',
          details: {
            kind: input.kind,
            baseUrl: input.baseUrl,
            sites: input.sites,
            settings,
            segments: input.segments,
            fallback: input.fallback,
            retrySchedule: input.retrySchedule,
            maxRetries: input.maxRetries,
            secretFieldsStored: stored,
          },
        })
      })(),
    )
  } catch (error) {
    for (const field of stored) {
      try {
        secrets.delete(input.id, field)
      } catch {
        // best effort: the original error is what the admin needs to see
      }
    }
    throw error
  }
  for (const warning of missingSecretWarnings(secrets, input.id, input.kind)) ctx.warn(warning)
  return viewOf(ledger, secrets, input.id)
}

export async function updateProvider(
  ledger: LedgerHandle,
  ctx: AppContext,
  id: string,
  patch: {
    baseUrl?: string
    sites?: string[]
    settings?: Record<string, string>
    fallback?: string
    retrySchedule?: string
    maxRetries?: number
  },
  given?: SecretStore,
): Promise<ProviderView> {
  const before = await ledger.read(requireProvider.ops(id))
  if (patch.baseUrl !== undefined) checkCredentialUrl(patch.baseUrl, '--base-url')
  if (patch.retrySchedule) parseSchedule(patch.retrySchedule, '--retry-schedule')
  if (patch.settings) checkSettingUrls(patch.settings)
  await ledger.read(checkConnectionRefs.ops(id, {sites: patch.sites, fallback: patch.fallback}))
  const merged = patch.settings ? {...before.settings, ...patch.settings} : undefined
  const settings =
    merged && isGatewayKind(before.kind) ? validateSettings(await loadAdapter(before.kind), merged) : merged
  await ledger.write(
    (function* () {
      const result = yield* repo.updateProvider.ops(id, {...patch, settings})
      yield* appendAudit.ops({
        actor: ctx.actor,
        action: 'provider.update',
        provider: id,
        subject: id,
        outcome: result?.changed.length ? 'ok' : 'unchanged',
        details: {changed: result?.changed ?? [], patch: {...patch, settings}},
      })
    })(),
  )
  return viewOf(ledger, given ?? (await secretsOf(ledger, ctx)), id)
}

export async function listProviders(
  ledger: LedgerHandle,
  ctx: AppContext,
  given?: SecretStore,
): Promise<ProviderView[]> {
  const {secrets, facts} = await ledger.read(
    (function* () {
      const secrets = given ?? (yield* openSecretStore.ops(ctx))
      const facts = []
      for (const p of yield* repo.listProviders.ops()) facts.push(yield* providerFacts.ops(p))
      return {secrets, facts}
    })(),
  )
  return facts.map((f) => providerView(f, secrets))
}

export async function showProvider(
  ledger: LedgerHandle,
  ctx: AppContext,
  id: string,
  given?: SecretStore,
): Promise<ProviderView> {
  return viewOf(ledger, given ?? (await secretsOf(ledger, ctx)), id)
}

/** Enabling a provider whose secrets are missing says so: the next sync would fail on it. */
export async function setProviderEnabled(
  ledger: LedgerHandle,
  ctx: AppContext,
  id: string,
  enabled: boolean,
  given?: SecretStore,
): Promise<ProviderView> {
  const p = await ledger.read(requireProvider.ops(id))
  await ledger.write(
    (function* () {
      const result = yield* repo.updateProvider.ops(id, {enabled})
      yield* appendAudit.ops({
        actor: ctx.actor,
        action: enabled ? 'provider.enable' : 'provider.disable',
        provider: id,
        subject: id,
        outcome: result?.changed.length ? 'ok' : 'unchanged',
      })
    })(),
  )
  const secrets = given ?? (await secretsOf(ledger, ctx))
  if (enabled) for (const warning of missingSecretWarnings(secrets, id, p.kind)) ctx.warn(warning)
  return viewOf(ledger, secrets, id)
}

/**
 * Deletes this ledger's keychain entries, never another home's. A provider that predates per-store entries may
 * also have the old shared one: it is left (another home may still read it) and named, so that the admin can delete
 * it by hand once no home uses it.
 */
export async function removeProvider(
  ledger: LedgerHandle,
  ctx: AppContext,
  id: string,
  opts: {purge?: boolean},
  given?: SecretStore,
): Promise<RemoveResult> {
  const secrets = given ?? (await secretsOf(ledger, ctx))
  const p = await ledger.read(requireProvider.ops(id))
  const purge = opts.purge === true
  const deleted: string[] = []
  for (const field of secretFieldsOf(p.kind)) {
    try {
      if (secrets.source(id, field) === 'keychain') deleted.push(field)
      secrets.delete(id, field)
    } catch (error) {
      ctx.warn(`could not delete keychain entry ${field}: ${(error as Error).message}`)
    }
    const shared = secrets.legacyAccount(id, field)
    if (shared)
      ctx.warn(
        `the keychain entry ${shared} from before entries were kept per ledger stays: other homes may still read it; delete it by hand once none does`,
      )
  }
  const retriesCanceled = await ledger.write(
    (function* () {
      const purged = purge ? yield* purgeProviderHistory.ops(id) : null
      // Nothing is retried through a connection that is gone: its open chains end here, in the same transaction.
      const canceled = yield* cancelOpenRetriesOf.ops(
        id,
        `canceled: provider ${id} was removed by ${ctx.actor}`,
        yield* now(),
      )
      yield* repo.deleteProvider.ops(id)
      yield* appendAudit.ops({
        actor: ctx.actor,
        action: 'provider.remove',
        provider: id,
        subject: id,
        outcome: 'ok',
        details: {purge, purged, secretFieldsDeleted: deleted, retriesCanceled: canceled},
      })
      return canceled
    })(),
  )
  if (retriesCanceled > 0)
    ctx.note(
      `${retriesCanceled} open retries of ${id}'s failed payments were canceled (yms-pay retry list --status canceled)`,
    )
  return {id, removed: true, purged: purge, secretsDeleted: deleted}
}

/** The field is checked against the provider's kind before `value` is read (a prompt or stdin). */
export async function rotateSecret(
  ledger: LedgerHandle,
  ctx: AppContext,
  id: string,
  field: string,
  value: string | (() => Promise<string>),
  given?: SecretStore,
): Promise<RotateResult> {
  const secrets = given ?? (await secretsOf(ledger, ctx))
  checkSecretField(await ledger.read(requireProvider.ops(id)), field)
  const secret = typeof value === 'function' ? await value() : value
  if (secret === '') throw new UsageError(`no value given for ${field}`)
  secrets.set(id, field, secret)
  await ledger.write(
    appendAudit.ops({
      actor: ctx.actor,
      action: 'provider.rotate_secret',
      provider: id,
      subject: `${id}/${field}`,
      outcome: 'ok',
      details: {field},
    }),
  )
  if (secrets.source(id, field) === 'env')
    ctx.warn(`${secrets.envVarName(id, field)} is set and still overrides the keychain for this field`)
  return {id, field}
}

export async function testProvider(
  ledger: LedgerHandle,
  ctx: AppContext,
  id: string,
  given?: SecretStore,
): Promise<TestResult> {
  return testConnection(ledger, ctx, id, given ?? (await secretsOf(ledger, ctx)))
}

/** The wizard's choices; the id is checked first, so nobody answers questions for a provider that cannot be added. */
export const wizardSource = dual(function* wizardSource(ctx: AppContext, providerId: string): Ops<WizardSource> {
  yield* checkNewProviderId.ops(providerId)
  return yield* buildWizardSource.ops(providerId, yield* openSecretStore.ops(ctx, {env: {}}))
})
