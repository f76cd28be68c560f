import {UsageError} from '../../core/errors.js'
import {dual} from '../ops/dual.js'
import {all, get, now, type Ops, read, run, write} from '../ops/op.js'

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

export const insertProvider = dual(function* insertProvider(input: ProviderInput): Ops<Provider> {
  if (providerIdProblem(input.id)) throw invalidProviderId(input.id)
  return yield* write(
    (function* () {
      if ((yield* getProvider.ops(input.id)) !== null) throw new UsageError(`provider "${input.id}" already exists`)
      yield* assertReferences.ops(input.id, input)
      const at = yield* now()
      yield* run(
        `INSERT INTO providers (id, kind, base_url, settings_json, enabled, fallback, retry_schedule, max_retries,
       created_at, updated_at)
       VALUES (@id, @kind, @base_url, @settings_json, @enabled, @fallback, @retry_schedule, @max_retries, @at, @at)`,
        {
          id: input.id,
          kind: input.kind,
          base_url: input.baseUrl ?? null,
          settings_json: JSON.stringify(input.settings ?? {}),
          enabled: input.enabled === false ? 0 : 1,
          fallback: input.fallback ?? null,
          retry_schedule: input.retrySchedule ?? null,
          max_retries: input.maxRetries ?? null,
          at,
        },
      )
      yield* replaceSites(input.id, input.sites ?? [])
      return yield* mustGet(input.id)
    })(),
  )
})

/**
 * Applies the fields present in `patch` (`sites` replaces the set). Returns the provider and the names of the
 * fields that actually changed (for the audit row), or null when no such provider exists.
 */
export const updateProvider = dual(function* updateProvider(
  id: string,
  patch: ProviderPatch,
): Ops<{provider: Provider; changed: string[]} | null> {
  return yield* write(
    (function* () {
      const before = yield* getProvider.ops(id)
      if (before === null) return null
      yield* assertReferences.ops(id, patch)
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
      yield* run(
        `UPDATE providers SET base_url = @base_url, settings_json = @settings_json, enabled = @enabled,
       fallback = @fallback, retry_schedule = @retry_schedule, max_retries = @max_retries, updated_at = @at
       WHERE id = @id`,
        {
          id,
          base_url: next.baseUrl,
          settings_json: JSON.stringify(next.settings),
          enabled: next.enabled ? 1 : 0,
          fallback: next.fallback,
          retry_schedule: next.retrySchedule,
          max_retries: next.maxRetries,
          at: yield* now(),
        },
      )
      if (changed.includes('sites')) yield* replaceSites(id, next.sites)
      return {provider: yield* mustGet(id), changed}
    })(),
  )
})

/** Removes the connection, its sites and grants; other providers falling back to it lose that fallback. */
export const deleteProvider = dual(function* deleteProvider(id: string): Ops<boolean> {
  return yield* write(
    (function* () {
      return (yield* run('DELETE FROM providers WHERE id = ?', [id])).changes > 0
    })(),
  )
})

export const getProvider = dual(function* getProvider(id: string): Ops<Provider | null> {
  return yield* read(
    (function* () {
      const row = yield* get<ProviderRow>(`${SELECT} WHERE id = ?`, [id])
      return row === undefined ? null : toProvider(row, yield* sitesOf(id))
    })(),
  )
})

export const listProviders = dual(function* listProviders(): Ops<Provider[]> {
  return yield* read(
    (function* () {
      const rows = yield* all<ProviderRow>(`${SELECT} ORDER BY id`)
      const providers: Provider[] = []
      for (const row of rows) providers.push(toProvider(row, yield* sitesOf(row.id)))
      return providers
    })(),
  )
})

/** Providers serving a site (the sync engine's and reconcile's view). */
export const providersForSite = dual(function* providersForSite(site: string): Ops<string[]> {
  const rows = yield* all<{provider: string}>('SELECT provider FROM provider_sites WHERE site = ? ORDER BY provider', [
    site,
  ])
  return rows.map((row) => row.provider)
})

function* sitesOf(id: string): Ops<string[]> {
  const rows = yield* all<{site: string}>('SELECT site FROM provider_sites WHERE provider = ? ORDER BY site', [id])
  return rows.map((row) => row.site)
}

function* replaceSites(id: string, sites: readonly string[]): Ops<void> {
  yield* run('DELETE FROM provider_sites WHERE provider = ?', [id])
  // A site named twice is one row. Only that conflict is skipped: unlike the INSERT OR IGNORE this was, a NOT NULL
  // refusal would fail (none can come from a list of strings).
  for (const site of sites)
    yield* run('INSERT INTO provider_sites (provider, site) VALUES (?, ?) ON CONFLICT DO NOTHING', [id, site])
}

/** Turns the foreign keys a user names (`--site`, `--fallback`) into errors that say which one is wrong. */
export const assertReferences = dual(function* assertReferences(
  id: string,
  input: Pick<ProviderPatch, 'sites' | 'fallback'>,
): Ops<void> {
  for (const site of input.sites ?? []) {
    if ((yield* get('SELECT 1 FROM sites WHERE id = ?', [site])) === undefined) throw unknownSite(site)
  }
  const fallback = input.fallback
  if (fallback !== undefined && fallback !== null) {
    if (providerIdProblem(fallback)) throw invalidProviderId(fallback, '--fallback')
    if (fallback === id) throw new UsageError(`provider "${id}" cannot be its own fallback`)
    if ((yield* get('SELECT 1 FROM providers WHERE id = ?', [fallback])) === undefined) {
      throw new UsageError(`unknown fallback provider "${fallback}"`)
    }
  }
})

export function unknownSite(site: string): UsageError {
  return new UsageError(
    `unknown site "${site}"`,
    'Add it first with `yms-pay sites add` or `sites import`; list them with `yms-pay sites list`.',
  )
}

function* mustGet(id: string): Ops<Provider> {
  const provider = yield* getProvider.ops(id)
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
