import type {Db} from '../db.js'
import {applyBatch, RowRejected, sameValues, single, type BatchResult, type RowOutcome} from './batch.js'

export interface SiteInput {
  id: string
  name: string
  currency: string // upper-case ISO 4217, validated by the caller
  country?: string | null
  timezone?: string | null
}

export interface Site {
  id: string
  name: string
  currency: string
  country: string | null
  timezone: string | null
  createdAt: string
  updatedAt: string
}

interface SiteRow {
  id: string
  name: string
  currency: string
  country: string | null
  timezone: string | null
  created_at: string
  updated_at: string
}

const SELECT = 'SELECT id, name, currency, country, timezone, created_at, updated_at FROM sites'

/**
 * Idempotent import: inserted / updated / unchanged per row. A site's base currency is fixed once money is booked
 * at it (ledger postings or synced transactions): changing it would relabel every amount already there.
 */
export function upsertSites(db: Db, sites: readonly SiteInput[]): BatchResult {
  return applyBatch(db, sites, (site) => {
    const values = {
      name: site.name,
      currency: site.currency,
      country: site.country ?? null,
      timezone: site.timezone ?? null,
    }
    const stored = db.stmt(`${SELECT} WHERE id = ?`).get(site.id) as SiteRow | undefined
    const at = db.now()
    if (stored === undefined) {
      db.stmt(
        `INSERT INTO sites (id, name, currency, country, timezone, created_at, updated_at)
         VALUES (@id, @name, @currency, @country, @timezone, @at, @at)`,
      ).run({id: site.id, ...values, at})
      return 'inserted'
    }
    if (sameValues(stored, values)) return 'unchanged'
    if (stored.currency !== values.currency) {
      const booked = bookedAtSite(db, site.id)
      if (booked)
        throw new RowRejected(
          `site "${site.id}" has ${booked} in its base currency ${stored.currency}; it cannot change to ${values.currency}`,
        )
    }
    db.stmt(
      `UPDATE sites SET name = @name, currency = @currency, country = @country, timezone = @timezone,
       updated_at = @at WHERE id = @id`,
    ).run({id: site.id, ...values, at})
    return 'updated'
  })
}

/** What is booked at a site, if anything: 'ledger postings', 'transactions', or null. */
function bookedAtSite(db: Db, id: string): string | null {
  // ledger_balances has a row for every account, currency and site that ever had a posting (only runs on a change).
  if (db.stmt('SELECT 1 FROM ledger_balances WHERE site = ? LIMIT 1').get(id) !== undefined) return 'ledger postings'
  if (db.stmt('SELECT 1 FROM transactions WHERE site_id = ? LIMIT 1').get(id) !== undefined) return 'transactions'
  return null
}

/** One site; a constraint violation is thrown as a UsageError instead of being reported. */
export function upsertSite(db: Db, site: SiteInput): RowOutcome {
  return single(upsertSites(db, [site]), `site ${site.id}`)
}

export function getSite(db: Db, id: string): Site | null {
  const row = db.stmt(`${SELECT} WHERE id = ?`).get(id) as SiteRow | undefined
  return row === undefined ? null : toSite(row)
}

export function listSites(db: Db): Site[] {
  return (db.stmt(`${SELECT} ORDER BY id`).all() as SiteRow[]).map(toSite)
}

function toSite(row: SiteRow): Site {
  return {
    id: row.id,
    name: row.name,
    currency: row.currency,
    country: row.country,
    timezone: row.timezone,
    createdAt: row.created_at,
    updatedAt: row.updated_at,
  }
}
