import {z} from 'zod'

import type {AppContext} from '../app/context.js'
import {parseSchedule} from '../core/duration.js'
import {UsageError} from '../core/errors.js'
import {GATEWAY_KINDS, gatewayFacts, isGatewayKind, type GatewayKind, loadAdapter} from '../gateways/registry.js'
import type {GatewayAdapter} from '../gateways/types.js'
import {createSecretStore, KeychainUnavailableError, type SecretStore} from '../secrets/index.js'
import type {Db} from '../store/db.js'
import {addGrant, listGrants, removeGrant} from '../store/repos/grants.js'
import * as repo from '../store/repos/providers.js'
import {lastSyncOf, purgeProviderHistory} from '../store/repos/purge.js'
import {appendAudit} from './audit.js'
import {distinctSegments} from './customers.js'
import {listSites} from './sites.js'

export interface SecretPresence {
  field: string
  /** Where it would be read from; null = absent; 'unknown' when the keychain could not be asked. */
  source: 'env' | 'keychain' | 'unknown' | null
  envVar: string
}

export interface ProviderView {
  id: string
  kind: string
  enabled: boolean
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
  secrets: Record<string, string>
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

export interface GrantResult {
  provider: string
  changed: boolean
}

function secretsOf(ctx: AppContext): SecretStore {
  return createSecretStore({env: ctx.env})
}

function presence(secrets: SecretStore, id: string, fields: readonly string[]): SecretPresence[] {
  return fields.map((field) => {
    let source: SecretPresence['source']
    try {
      source = secrets.source(id, field)
    } catch {
      source = 'unknown'
    }
    return {field, source, envVar: secrets.envVarName(id, field)}
  })
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
  return parsed.data
}

function validateUrl(url: string | null | undefined): void {
  if (url === null || url === undefined) return
  try {
    const u = new URL(url)
    if (u.protocol !== 'https:' && u.protocol !== 'http:') throw new Error('not http(s)')
  } catch {
    throw new UsageError(`--base-url ${JSON.stringify(url)} is not an http(s) URL`)
  }
}

/** Facts only: listing providers must not load every adapter (start-up time). */
function factsOf(kind: string) {
  return isGatewayKind(kind) ? gatewayFacts(kind) : null
}

async function view(db: Db, ctx: AppContext, p: repo.Provider, secrets = secretsOf(ctx)): Promise<ProviderView> {
  const adapter = factsOf(p.kind)
  return {
    id: p.id,
    kind: p.kind,
    enabled: p.enabled,
    baseUrl: p.baseUrl ?? adapter?.defaultBaseUrl ?? '',
    sites: p.sites,
    settings: p.settings,
    grants: listGrants(db, p.id).map((g) => ({segment: g.segment, site: g.site, access: g.access})),
    secrets: presence(secrets, p.id, adapter?.secretFields ?? []),
    fallback: p.fallback,
    retrySchedule: p.retrySchedule,
    maxRetries: p.maxRetries,
    lastSync: lastSyncOf(db, p.id),
  }
}

function mustGet(db: Db, id: string): repo.Provider {
  const p = repo.getProvider(db, id)
  if (!p) throw new UsageError(`unknown provider "${id}"`, 'List them with `yms-pay providers list`.')
  return p
}

/**
 * Settings and grants go to the ledger database, secrets to the keychain. Secrets are written first and taken
 * back if the database refuses the provider, so a failed add leaves nothing half-done.
 */
export async function addProvider(
  db: Db,
  ctx: AppContext,
  input: AddProviderInput,
  secrets = secretsOf(ctx),
): Promise<ProviderView> {
  const adapter = await loadAdapter(input.kind)
  validateUrl(input.baseUrl)
  const settings = validateSettings(adapter, input.settings)
  if (input.retrySchedule) parseSchedule(input.retrySchedule, '--retry-schedule')
  if (repo.getProvider(db, input.id))
    throw new UsageError(
      `provider "${input.id}" already exists`,
      `Change it with \`yms-pay providers update ${input.id}\`.`,
    )
  const stored: string[] = []
  try {
    for (const [field, value] of Object.entries(input.secrets)) {
      secrets.set(input.id, field, value)
      stored.push(field)
    }
    db.write(() => {
      repo.insertProvider(db, {
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
        for (const site of sites) addGrant(db, {provider: input.id, segment, site, access: 'write'})
      appendAudit(db, {
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
    })
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
  return view(db, ctx, mustGet(db, input.id), secrets)
}

export async function updateProvider(
  db: Db,
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
): Promise<ProviderView> {
  const before = mustGet(db, id)
  validateUrl(patch.baseUrl)
  if (patch.retrySchedule) parseSchedule(patch.retrySchedule, '--retry-schedule')
  const merged = patch.settings ? {...before.settings, ...patch.settings} : undefined
  const settings =
    merged && isGatewayKind(before.kind) ? validateSettings(await loadAdapter(before.kind), merged) : merged
  db.write(() => {
    const result = repo.updateProvider(db, id, {
      baseUrl: patch.baseUrl,
      sites: patch.sites,
      settings,
      fallback: patch.fallback,
      retrySchedule: patch.retrySchedule,
      maxRetries: patch.maxRetries,
    })
    appendAudit(db, {
      actor: ctx.actor,
      action: 'provider.update',
      provider: id,
      subject: id,
      outcome: result?.changed.length ? 'ok' : 'unchanged',
      details: {changed: result?.changed ?? [], patch: {...patch, settings}},
    })
  })
  return view(db, ctx, mustGet(db, id))
}

export async function listProviders(db: Db, ctx: AppContext): Promise<ProviderView[]> {
  const secrets = secretsOf(ctx)
  return Promise.all(repo.listProviders(db).map((p) => view(db, ctx, p, secrets)))
}

export async function showProvider(db: Db, ctx: AppContext, id: string): Promise<ProviderView> {
  return view(db, ctx, mustGet(db, id))
}

export async function setProviderEnabled(db: Db, ctx: AppContext, id: string, enabled: boolean): Promise<ProviderView> {
  mustGet(db, id)
  db.write(() => {
    const result = repo.updateProvider(db, id, {enabled})
    appendAudit(db, {
      actor: ctx.actor,
      action: enabled ? 'provider.enable' : 'provider.disable',
      provider: id,
      subject: id,
      outcome: result?.changed.length ? 'ok' : 'unchanged',
    })
  })
  return view(db, ctx, mustGet(db, id))
}

export async function removeProvider(
  db: Db,
  ctx: AppContext,
  id: string,
  opts: {purge: boolean},
  secrets = secretsOf(ctx),
): Promise<RemoveResult> {
  const p = mustGet(db, id)
  const fields = factsOf(p.kind)?.secretFields ?? []
  const deleted: string[] = []
  for (const field of fields) {
    try {
      if (secrets.source(id, field) === 'keychain') deleted.push(field)
      secrets.delete(id, field)
    } catch (error) {
      ctx.warn(`could not delete keychain entry ${field}: ${(error as Error).message}`)
    }
  }
  db.write(() => {
    const purged = opts.purge ? purgeProviderHistory(db, id) : null
    repo.deleteProvider(db, id)
    appendAudit(db, {
      actor: ctx.actor,
      action: 'provider.remove',
      provider: id,
      subject: id,
      outcome: 'ok',
      details: {purge: opts.purge, purged, secretFieldsDeleted: deleted},
    })
  })
  return {id, removed: true, purged: opts.purge, secretsDeleted: deleted}
}

export async function rotateSecret(
  db: Db,
  ctx: AppContext,
  id: string,
  field: string,
  value: string,
  secrets = secretsOf(ctx),
): Promise<RotateResult> {
  const p = mustGet(db, id)
  const fields = factsOf(p.kind)?.secretFields ?? []
  if (!fields.includes(field)) throw new UsageError(`--field ${field}: ${p.kind} secrets are ${fields.join(', ')}`)
  if (value === '') throw new UsageError(`no value given for ${field}`)
  secrets.set(id, field, value)
  db.write(() =>
    appendAudit(db, {
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

export function grantAccess(
  db: Db,
  ctx: AppContext,
  id: string,
  g: {segment: string; site: string; access: 'read' | 'write'},
): GrantResult {
  mustGet(db, id)
  const outcome = db.write(() => {
    const o = addGrant(db, {provider: id, ...g})
    appendAudit(db, {
      actor: ctx.actor,
      action: 'provider.grant',
      provider: id,
      subject: `${g.segment}@${g.site}`,
      outcome: o === 'unchanged' ? 'unchanged' : 'ok',
      details: g,
    })
    return o
  })
  return {provider: id, changed: outcome !== 'unchanged'}
}

export function revokeAccess(db: Db, ctx: AppContext, id: string, g: {segment: string; site: string}): GrantResult {
  mustGet(db, id)
  const removed = db.write(() => {
    const r = removeGrant(db, {provider: id, ...g})
    appendAudit(db, {
      actor: ctx.actor,
      action: 'provider.revoke',
      provider: id,
      subject: `${g.segment}@${g.site}`,
      outcome: r ? 'ok' : 'unchanged',
      details: g,
    })
    return r
  })
  return {provider: id, changed: removed}
}

export interface TestResult {
  provider: string
  kind: string
  ok: true
  baseUrl: string
  durationMs: number
  calls: number
}

/**
 * Authenticates and reads one page, recording the calls as health probes (they count toward uptime). A refusal of
 * the credentials surfaces as AuthError (exit 77); a missing secret as ConfigError (exit 78).
 */
export async function testProvider(db: Db, ctx: AppContext, id: string): Promise<TestResult> {
  const p = mustGet(db, id)
  const {connectProvider} = await import('./sync/connect.js')
  const {recordCalls} = await import('../store/repos/sync-state.js')
  const calls: import('../core/gateway-call.js').GatewayCall[] = []
  const started = Date.now()
  const {client} = await connectProvider(ctx, p, {onCall: (c) => calls.push(c)})
  try {
    await client.testConnection()
    db.write(() => {
      recordCalls(db, calls)
      appendAudit(db, {
        actor: ctx.actor,
        action: 'provider.test',
        provider: id,
        subject: id,
        outcome: 'ok',
        details: {calls: calls.length},
      })
    })
  } catch (error) {
    db.write(() => {
      recordCalls(db, calls)
      appendAudit(db, {
        actor: ctx.actor,
        action: 'provider.test',
        provider: id,
        subject: id,
        outcome: 'error',
        details: {error: (error as Error).message},
      })
    })
    throw error
  }
  return {
    provider: id,
    kind: p.kind,
    ok: true,
    baseUrl: p.baseUrl ?? '',
    durationMs: Date.now() - started,
    calls: calls.length,
  }
}

/** What the `providers add` wizard may offer, so that the prompts themselves hold no look-ups. */
export interface WizardSource {
  kinds: Array<{kind: GatewayKind; label: string}>
  sites: string[]
  segments: string[]
  questionsFor(kind: GatewayKind): Promise<KindQuestions>
}

export interface KindQuestions {
  settings: Array<{name: string; optional: boolean; description: string}>
  secretFields: readonly string[]
  /** Why the OS keychain cannot keep secrets here (asked before anyone types one), or null. */
  keychainProblem: string | null
  envVars: string[]
}

export function wizardSource(db: Db, ctx: AppContext, providerId: string, secrets = secretsOf(ctx)): WizardSource {
  return {
    kinds: GATEWAY_KINDS.map((kind) => ({kind, label: gatewayFacts(kind).label})),
    sites: listSites(db).map((s) => s.id),
    segments: distinctSegments(db),
    async questionsFor(kind) {
      const adapter = await loadAdapter(kind)
      const described = adapter.settings
      return {
        settings: settingFields(adapter.settingsSchema).map(([name, optional]) => ({
          name,
          optional,
          description: described[name] ?? '',
        })),
        secretFields: adapter.secretFields,
        // Asked without the environment, which would answer for a keychain that cannot store anything.
        keychainProblem: keychainProblem(createSecretStore({env: {}}), providerId, adapter.secretFields[0]),
        envVars: adapter.secretFields.map((f) => secrets.envVarName(providerId, f)),
      }
    },
  }
}

function keychainProblem(secrets: SecretStore, providerId: string, field: string | undefined): string | null {
  if (!field) return null
  try {
    secrets.source(providerId, field)
    return null
  } catch (error) {
    return error instanceof KeychainUnavailableError ? error.reason : null
  }
}

/** Setting names and whether each is optional, read from the adapter's schema (through any transform). */
function settingFields(schema: z.ZodType): Array<[string, boolean]> {
  while (schema instanceof z.ZodPipe) schema = schema.in as z.ZodType
  if (!(schema instanceof z.ZodObject)) return []
  return Object.entries(schema.shape as Record<string, z.ZodType>).map(([name, field]) => [
    name,
    field.safeParse(undefined).success,
  ])
}
