import {dual} from '../ops/dual.js'
import {all, get, now, type Ops, run} from '../ops/op.js'
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
export const upsertSites = dual(function* upsertSites(sites: readonly SiteInput[]): Ops<BatchResult> {
  return yield* applyBatch.ops(sites, function* (site) {
    const values = {
      name: site.name,
      currency: site.currency,
      country: site.country ?? null,
      timezone: site.timezone ?? null,
    }
    const stored = yield* get<SiteRow>(`${SELECT} WHERE id = ?`, [site.id])
    const at = yield* now()
    if (stored === undefined) {
      yield* run(
        `INSERT INTO sites (id, name, currency, country, timezone, created_at, updated_at)
         VALUES (@id, @name, @currency, @country, @timezone, @at, @at)`,
        {id: site.id, ...values, at},
      )
      return 'inserted'
    }
    if (sameValues(stored, values)) return 'unchanged'
    if (stored.currency !== values.currency) {
      const booked = yield* bookedAtSite(site.id)
      if (booked)
        throw new RowRejected(
          `site "${site.id}" has ${booked} in its base currency ${stored.currency}; it cannot change to ${values.currency}`,
        )
    }
    yield* run(
      `UPDATE sites SET name = @name, currency = @currency, country = @country, timezone = @timezone,
       updated_at = @at WHERE id = @id`,
      {id: site.id, ...values, at},
    )
    return 'updated'
  })
})

/** What is booked at a site, if anything: 'ledger postings', 'transactions', or null. */
function* bookedAtSite(id: string): Ops<string | null> {
  // ledger_balances has a row for every account, currency and site that ever had a posting (only runs on a change).
  if ((yield* get('SELECT 1 FROM ledger_balances WHERE site = ? LIMIT 1', [id])) !== undefined) return 'ledger postings'
  if ((yield* get('SELECT 1 FROM transactions WHERE site_id = ? LIMIT 1', [id])) !== undefined) return 'transactions'
  return null
}

/** One site; a constraint violation is thrown as a UsageError instead of being reported. */
export const upsertSite = dual(function* upsertSite(site: SiteInput): Ops<RowOutcome> {
  return single(yield* upsertSites.ops([site]), `site ${site.id}`)
})

export const getSite = dual(function* getSite(id: string): Ops<Site | null> {
  const row = yield* get<SiteRow>(`${SELECT} WHERE id = ?`, [id])
  return row === undefined ? null : toSite(row)
})

export const listSites = dual(function* listSites(): Ops<Site[]> {
  return (yield* all<SiteRow>(`${SELECT} ORDER BY id`)).map(toSite)
})

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
