import {UsageError} from '../../core/errors.js'
import {bothWays} from '../ops/dialect.js'
import {dual} from '../ops/dual.js'
import {all, get, now, type Ops, run, write} from '../ops/op.js'
import type {RowOutcome} from './batch.js'

export type Access = 'read' | 'write'

/** Which customers a provider may read or write: segment and site, each '*' for any. Default is deny. */
export interface Grant {
  provider: string
  segment: string
  site: string
  access: Access
  createdAt: string
}

export interface GrantKey {
  provider: string
  segment: string
  site: string
}

interface GrantRow {
  provider: string
  segment: string
  site: string
  access: Access
  created_at: string
}

/** Adds a grant, or changes the access of an existing one (one grant per provider, segment and site). */
export const addGrant = dual(function* addGrant(grant: GrantKey & {access: Access}) {
  return yield* write(
    (function* (): Ops<RowOutcome> {
      if ((yield* get('SELECT 1 FROM providers WHERE id = ?', [grant.provider])) === undefined) {
        throw new UsageError(`unknown provider "${grant.provider}"`)
      }
      const stored = yield* get<{access: Access}>(
        'SELECT access FROM grants WHERE provider = ? AND segment = ? AND site = ?',
        [grant.provider, grant.segment, grant.site],
      )
      if (stored?.access === grant.access) return 'unchanged'
      yield* run(
        `INSERT INTO grants (provider, segment, site, access, created_at) VALUES (@provider, @segment, @site, @access, @at)
       ON CONFLICT (provider, segment, site) DO UPDATE SET access = excluded.access`,
        {...grant, at: yield* now()},
      )
      return stored === undefined ? 'inserted' : 'updated'
    })(),
  )
})

export const removeGrant = dual(function* removeGrant(key: GrantKey) {
  return yield* write(
    (function* () {
      const result = yield* run('DELETE FROM grants WHERE provider = ? AND segment = ? AND site = ?', [
        key.provider,
        key.segment,
        key.site,
      ])
      return result.changes > 0
    })(),
  )
})

export const listGrants = dual(function* listGrants(provider?: string) {
  const rows = yield* all<GrantRow>(LISTED, {provider: provider ?? null})
  return rows.map((row): Grant => ({
    provider: row.provider,
    segment: row.segment,
    site: row.site,
    access: row.access,
    createdAt: row.created_at,
  }))
})

const LISTED = bothWays(
  (
    w,
  ) => `SELECT provider, segment, site, access, created_at FROM grants WHERE (${w.unset('@provider')} OR provider = @provider)
       ORDER BY provider, segment, site`,
)

/** Customers exist, and none has this segment: a grant on it matches nobody (a typo, or customers still to come). */
export const segmentUnknown = dual(function* segmentUnknown(segment: string) {
  const row = yield* get<{anyone: unknown; hit: unknown}>(
    'SELECT EXISTS (SELECT 1 FROM customers) AS anyone, EXISTS (SELECT 1 FROM customers WHERE segment = ?) AS hit',
    [segment],
  )
  // SQLite's EXISTS is 1 or 0, PostgreSQL's a boolean.
  return Number(row!.anyone) === 1 && Number(row!.hit) === 0
})
