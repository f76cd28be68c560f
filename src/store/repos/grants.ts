import {UsageError} from '../../core/errors.js'
import type {Db} from '../db.js'
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
export function addGrant(db: Db, grant: GrantKey & {access: Access}): RowOutcome {
  return db.write(() => {
    if (db.stmt('SELECT 1 FROM providers WHERE id = ?').get(grant.provider) === undefined) {
      throw new UsageError(`unknown provider "${grant.provider}"`)
    }
    const stored = db
      .stmt('SELECT access FROM grants WHERE provider = ? AND segment = ? AND site = ?')
      .get(grant.provider, grant.segment, grant.site) as {access: Access} | undefined
    if (stored?.access === grant.access) return 'unchanged'
    db.stmt(
      `INSERT INTO grants (provider, segment, site, access, created_at) VALUES (@provider, @segment, @site, @access, @at)
       ON CONFLICT (provider, segment, site) DO UPDATE SET access = excluded.access`,
    ).run({...grant, at: db.now()})
    return stored === undefined ? 'inserted' : 'updated'
  })
}

export function removeGrant(db: Db, key: GrantKey): boolean {
  return db.write(
    () =>
      db
        .stmt('DELETE FROM grants WHERE provider = ? AND segment = ? AND site = ?')
        .run(key.provider, key.segment, key.site).changes > 0,
  )
}

export function listGrants(db: Db, provider?: string): Grant[] {
  const rows = db
    .stmt(
      `SELECT provider, segment, site, access, created_at FROM grants WHERE (@provider IS NULL OR provider = @provider)
       ORDER BY provider, segment, site`,
    )
    .all({provider: provider ?? null}) as GrantRow[]
  return rows.map((row) => ({
    provider: row.provider,
    segment: row.segment,
    site: row.site,
    access: row.access,
    createdAt: row.created_at,
  }))
}

/** Customers exist, and none has this segment: a grant on it matches nobody (a typo, or customers still to come). */
export function segmentUnknown(db: Db, segment: string): boolean {
  const row = db
    .stmt(
      'SELECT EXISTS (SELECT 1 FROM customers) AS anyone, EXISTS (SELECT 1 FROM customers WHERE segment = ?) AS hit',
    )
    .get(segment) as {anyone: number; hit: number}
  return row.anyone === 1 && row.hit === 0
}
