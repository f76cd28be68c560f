import {UsageError} from '../../core/errors.js'
import type {Db} from '../db.js'

/**
 * What a provider id may be, as the providers table's CHECK has it: ids appear in transaction ids
 * (`<provider>:<externalId>`), keychain accounts and environment variable names. 'invoice' is taken by invoices.
 */
export const PROVIDER_ID_RULE = 'provider ids are 1 to 64 letters, digits, ".", "_" or "-", and not "invoice"'

/** Why `id` cannot be a provider id, or null when it can. */
export function providerIdProblem(id: string): string | null {
  return /^[A-Za-z0-9_.-]{1,64}$/.test(id) && id !== 'invoice' ? null : PROVIDER_ID_RULE
}

/** The usage error for an id that breaks the rule; `label` says where it came from (an argument, `--fallback`). */
export function invalidProviderId(id: string, label = 'provider id'): UsageError {
  const shown = id.length > 40 ? `${id.slice(0, 40)}… (${id.length} characters)` : id
  return new UsageError(
    `${label} ${JSON.stringify(shown)} is not valid: ${PROVIDER_ID_RULE}`,
    'Example: acme-eu or acme.main',
  )
}

/** A gateway connection. Never holds a secret: those live in the keychain, keyed by store id and provider id. */
export interface ProviderInput {
  id: string
  kind: string
  baseUrl?: string | null // null: the adapter's production URL
  settings?: Record<string, string>
  enabled?: boolean
  fallback?: string | null
  retrySchedule?: string | null // as given, e.g. "5m,30m,2h,1d"; null: the default
  maxRetries?: number | null
  sites?: readonly string[]
}

export type ProviderPatch = Partial<Omit<ProviderInput, 'id' | 'kind'>>

export interface Provider {
  id: string
  kind: string
  baseUrl: string | null
  settings: Record<string, string>
  enabled: boolean
  fallback: string | null
  retrySchedule: string | null
  maxRetries: number | null
  sites: string[]
  createdAt: string
  updatedAt: string
}

interface ProviderRow {
  id: string
  kind: string
  base_url: string | null
  settings_json: string
  enabled: number
  fallback: string | null
  retry_schedule: string | null
  max_retries: number | null
  created_at: string
  updated_at: string
}

const SELECT = `SELECT id, kind, base_url, settings_json, enabled, fallback, retry_schedule, max_retries,
  created_at, updated_at FROM providers`

export function insertProvider(db: Db, input: ProviderInput): Provider {
  if (providerIdProblem(input.id)) throw invalidProviderId(input.id)
  return db.write(() => {
    if (getProvider(db, input.id) !== null) throw new UsageError(`provider "${input.id}" already exists`)
    assertReferences(db, input.id, input)
    const at = db.now()
    db.stmt(
      `INSERT INTO providers (id, kind, base_url, settings_json, enabled, fallback, retry_schedule, max_retries,
       created_at, updated_at)
       VALUES (@id, @kind, @base_url, @settings_json, @enabled, @fallback, @retry_schedule, @max_retries, @at, @at)`,
    ).run({
      id: input.id,
      kind: input.kind,
      base_url: input.baseUrl ?? null,
      settings_json: JSON.stringify(input.settings ?? {}),
      enabled: input.enabled === false ? 0 : 1,
      fallback: input.fallback ?? null,
      retry_schedule: input.retrySchedule ?? null,
      max_retries: input.maxRetries ?? null,
      at,
    })
    replaceSites(db, input.id, input.sites ?? [])
    return mustGet(db, input.id)
  })
}

/**
 * Applies the fields present in `patch` (`sites` replaces the set). Returns the provider and the names of the
 * fields that actually changed (for the audit row), or null when no such provider exists.
 */
export function updateProvider(
  db: Db,
  id: string,
  patch: ProviderPatch,
): {provider: Provider; changed: string[]} | null {
  return db.write(() => {
    const before = getProvider(db, id)
    if (before === null) return null
    assertReferences(db, id, patch)
    const next = {
      baseUrl: patch.baseUrl === undefined ? before.baseUrl : patch.baseUrl,
      settings: patch.settings ?? before.settings,
      enabled: patch.enabled ?? before.enabled,
      fallback: patch.fallback === undefined ? before.fallback : patch.fallback,
      retrySchedule: patch.retrySchedule === undefined ? before.retrySchedule : patch.retrySchedule,
      maxRetries: patch.maxRetries === undefined ? before.maxRetries : patch.maxRetries,
      sites: patch.sites === undefined ? before.sites : [...new Set(patch.sites)].sort(),
    }
    const changed = (Object.keys(next) as Array<keyof typeof next>).filter(
      (key) => JSON.stringify(next[key]) !== JSON.stringify(before[key]),
    )
    if (changed.length === 0) return {provider: before, changed}
    db.stmt(
      `UPDATE providers SET base_url = @base_url, settings_json = @settings_json, enabled = @enabled,
       fallback = @fallback, retry_schedule = @retry_schedule, max_retries = @max_retries, updated_at = @at
       WHERE id = @id`,
    ).run({
      id,
      base_url: next.baseUrl,
      settings_json: JSON.stringify(next.settings),
      enabled: next.enabled ? 1 : 0,
      fallback: next.fallback,
      retry_schedule: next.retrySchedule,
      max_retries: next.maxRetries,
      at: db.now(),
    })
    if (changed.includes('sites')) replaceSites(db, id, next.sites)
    return {provider: mustGet(db, id), changed}
  })
}

/** Removes the connection, its sites and grants; other providers falling back to it lose that fallback. */
export function deleteProvider(db: Db, id: string): boolean {
  return db.write(() => db.stmt('DELETE FROM providers WHERE id = ?').run(id).changes > 0)
}

export function getProvider(db: Db, id: string): Provider | null {
  return db.read(() => {
    const row = db.stmt(`${SELECT} WHERE id = ?`).get(id) as ProviderRow | undefined
    return row === undefined ? null : toProvider(row, sitesOf(db, id))
  })
}

export function listProviders(db: Db): Provider[] {
  return db.read(() => {
    const rows = db.stmt(`${SELECT} ORDER BY id`).all() as ProviderRow[]
    return rows.map((row) => toProvider(row, sitesOf(db, row.id)))
  })
}

/** Providers serving a site (the sync engine's and reconcile's view). */
export function providersForSite(db: Db, site: string): string[] {
  const rows = db.stmt('SELECT provider FROM provider_sites WHERE site = ? ORDER BY provider').all(site) as Array<{
    provider: string
  }>
  return rows.map((row) => row.provider)
}

function sitesOf(db: Db, id: string): string[] {
  const rows = db.stmt('SELECT site FROM provider_sites WHERE provider = ? ORDER BY site').all(id) as Array<{
    site: string
  }>
  return rows.map((row) => row.site)
}

function replaceSites(db: Db, id: string, sites: readonly string[]): void {
  db.stmt('DELETE FROM provider_sites WHERE provider = ?').run(id)
  const insert = db.stmt('INSERT OR IGNORE INTO provider_sites (provider, site) VALUES (?, ?)')
  for (const site of sites) insert.run(id, site)
}

/** Turns the foreign keys a user names (`--site`, `--fallback`) into errors that say which one is wrong. */
export function assertReferences(db: Db, id: string, input: Pick<ProviderPatch, 'sites' | 'fallback'>): void {
  for (const site of input.sites ?? []) {
    if (db.stmt('SELECT 1 FROM sites WHERE id = ?').get(site) === undefined) throw unknownSite(site)
  }
  const fallback = input.fallback
  if (fallback !== undefined && fallback !== null) {
    if (providerIdProblem(fallback)) throw invalidProviderId(fallback, '--fallback')
    if (fallback === id) throw new UsageError(`provider "${id}" cannot be its own fallback`)
    if (db.stmt('SELECT 1 FROM providers WHERE id = ?').get(fallback) === undefined) {
      throw new UsageError(`unknown fallback provider "${fallback}"`)
    }
  }
}

export function unknownSite(site: string): UsageError {
  return new UsageError(
    `unknown site "${site}"`,
    'Add it first with `yms-pay sites add` or `sites import`; list them with `yms-pay sites list`.',
  )
}

function mustGet(db: Db, id: string): Provider {
  const provider = getProvider(db, id)
  if (provider === null) throw new Error(`provider ${id} vanished inside its own transaction`)
  return provider
}

function toProvider(row: ProviderRow, sites: string[]): Provider {
  return {
    id: row.id,
    kind: row.kind,
    baseUrl: row.base_url,
    settings: JSON.parse(row.settings_json) as Record<string, string>,
    enabled: row.enabled === 1,
    fallback: row.fallback,
    retrySchedule: row.retry_schedule,
    maxRetries: row.max_retries,
    sites,
    createdAt: row.created_at,
    updatedAt: row.updated_at,
  }
}
