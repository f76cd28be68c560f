import type {Db} from '../db.js'
import {applyBatch, RowRejected, sameValues, type BatchResult} from './batch.js'

export interface CustomerInput {
  id: string
  site: string
  segment?: string | null
  name?: string | null
  email?: string | null
  /**
   * The customer's id at each gateway, keyed by what follows `ref.` in the YMS CSV (a gateway kind or a
   * provider id). Merged into the stored refs: a key absent here (or with an empty value) keeps its stored ref.
   */
  refs?: Record<string, string>
}

export interface Customer {
  id: string
  site: string
  segment: string | null
  name: string | null
  email: string | null
  refs: Record<string, string>
  createdAt: string
  updatedAt: string
}

interface CustomerRow {
  id: string
  site: string
  segment: string | null
  name: string | null
  email: string | null
  created_at: string
  updated_at: string
}

const SELECT = 'SELECT id, site, segment, name, email, created_at, updated_at FROM customers'

/**
 * Idempotent import: inserted / updated (any field or ref differs) / unchanged, per row. Rows naming an
 * unknown site, or a gateway ref that already belongs to another customer, are rejected alone, and so is a move
 * to another site once money is booked for the customer (its balance would be split across two sites).
 */
export function upsertCustomers(db: Db, customers: readonly CustomerInput[]): BatchResult {
  return applyBatch(db, customers, (customer) => {
    const values = {
      site: customer.site,
      segment: customer.segment ?? null,
      name: customer.name ?? null,
      email: customer.email ?? null,
    }
    if (db.stmt('SELECT 1 FROM sites WHERE id = ?').get(customer.site) === undefined) {
      throw new RowRejected(`unknown site "${customer.site}"`)
    }
    const stored = db.stmt(`${SELECT} WHERE id = ?`).get(customer.id) as CustomerRow | undefined
    if (stored !== undefined && stored.site !== customer.site) {
      const booked = bookedForCustomer(db, customer.id)
      if (booked)
        throw new RowRejected(
          `customer "${customer.id}" has ${booked} at site "${stored.site}"; moving it to "${customer.site}" would split its balance across sites`,
        )
    }
    const at = db.now()
    const refsChanged = mergeRefs(db, customer.id, customer.refs ?? {}, stored !== undefined)
    if (stored === undefined) {
      db.stmt(
        `INSERT INTO customers (id, site, segment, name, email, created_at, updated_at)
         VALUES (@id, @site, @segment, @name, @email, @at, @at)`,
      ).run({id: customer.id, ...values, at})
      writeRefs(db, customer.id, refsChanged)
      return 'inserted'
    }
    if (sameValues(stored, values) && refsChanged.length === 0) return 'unchanged'
    db.stmt(
      `UPDATE customers SET site = @site, segment = @segment, name = @name, email = @email, updated_at = @at
       WHERE id = @id`,
    ).run({id: customer.id, ...values, at})
    writeRefs(db, customer.id, refsChanged)
    return 'updated'
  })
}

/** What is booked for a customer, if anything: 'ledger postings', 'transactions', or null. */
function bookedForCustomer(db: Db, id: string): string | null {
  if (db.stmt('SELECT 1 FROM ledger_balances WHERE account = ? LIMIT 1').get(`customer:${id}`) !== undefined)
    return 'ledger postings'
  if (db.stmt('SELECT 1 FROM transactions WHERE customer_id = ? LIMIT 1').get(id) !== undefined) return 'transactions'
  return null
}

/** The refs that differ from what is stored; rejects a ref owned by another customer with a readable reason. */
function mergeRefs(db: Db, customerId: string, refs: Record<string, string>, exists: boolean): Array<[string, string]> {
  const changed: Array<[string, string]> = []
  for (const [providerKey, externalRef] of Object.entries(refs)) {
    if (externalRef === '') continue
    const owner = db
      .stmt('SELECT customer FROM customer_refs WHERE provider_key = ? AND external_ref = ?')
      .get(providerKey, externalRef) as {customer: string} | undefined
    if (owner !== undefined && owner.customer !== customerId) {
      throw new RowRejected(`ref.${providerKey} "${externalRef}" already belongs to customer "${owner.customer}"`)
    }
    if (exists && owner?.customer === customerId) continue
    changed.push([providerKey, externalRef])
  }
  return changed
}

function writeRefs(db: Db, customerId: string, refs: Array<[string, string]>): void {
  const upsert = db.stmt(
    `INSERT INTO customer_refs (customer, provider_key, external_ref) VALUES (?, ?, ?)
     ON CONFLICT (customer, provider_key) DO UPDATE SET external_ref = excluded.external_ref`,
  )
  for (const [providerKey, externalRef] of refs) upsert.run(customerId, providerKey, externalRef)
}

export function getCustomer(db: Db, id: string): Customer | null {
  const row = db.stmt(`${SELECT} WHERE id = ?`).get(id) as CustomerRow | undefined
  return row === undefined ? null : toCustomer(row, refsOf(db, [id]).get(id))
}

export interface CustomerFilter {
  site?: string
  segment?: string
  limit?: number
}

export function listCustomers(db: Db, filter: CustomerFilter = {}): Customer[] {
  return db.read(() => {
    const rows = db
      .stmt(
        `${SELECT} WHERE (@site IS NULL OR site = @site) AND (@segment IS NULL OR segment = @segment)
         ORDER BY id LIMIT @limit`,
      )
      .all({site: filter.site ?? null, segment: filter.segment ?? null, limit: filter.limit ?? -1}) as CustomerRow[]
    const refs = refsOf(
      db,
      rows.map((row) => row.id),
    )
    return rows.map((row) => toCustomer(row, refs.get(row.id)))
  })
}

/** The customer a gateway's customer id belongs to, by the `ref.<providerKey>` it was imported with. */
export function findCustomerByRef(db: Db, providerKey: string, externalRef: string): Customer | null {
  const row = db
    .stmt(
      `SELECT c.id, c.site, c.segment, c.name, c.email, c.created_at, c.updated_at
       FROM customer_refs r JOIN customers c ON c.id = r.customer
       WHERE r.provider_key = ? AND r.external_ref = ?`,
    )
    .get(providerKey, externalRef) as CustomerRow | undefined
  return row === undefined ? null : toCustomer(row, refsOf(db, [row.id]).get(row.id))
}

/** Who a transaction belongs to, as the sync's apply needs it: the customer, their site and segment. */
export interface Owner {
  customerId: string
  siteId: string
  segment: string
}

/**
 * The owner of a gateway's customer id. The YMS imports refs as `ref.<provider id>` or `ref.<gateway kind>`; the
 * provider id wins when both exist.
 */
export function ownerByRef(db: Db, ref: string, provider: string, kind: string): Owner | null {
  const row = db
    .stmt(
      `SELECT c.id, c.site, c.segment FROM customer_refs r JOIN customers c ON c.id = r.customer
       WHERE r.external_ref = ? AND r.provider_key IN (?, ?) ORDER BY r.provider_key = ? DESC LIMIT 1`,
    )
    .get(ref, provider, kind, provider) as {id: string; site: string; segment: string | null} | undefined
  return row ? {customerId: row.id, siteId: row.site, segment: row.segment ?? ''} : null
}

/** ownerByRef for many refs in one statement (a webhook group's customers): null for a ref no customer has. */
export function ownersByRefs(
  db: Db,
  refs: readonly string[],
  provider: string,
  kind: string,
): Map<string, Owner | null> {
  const owners = new Map<string, Owner | null>(refs.map((ref) => [ref, null]))
  if (refs.length === 0) return owners
  const rows = db
    .stmt(
      `SELECT r.external_ref AS ref, r.provider_key = ? AS exact, c.id, c.site, c.segment
       FROM customer_refs r JOIN customers c ON c.id = r.customer
       WHERE r.provider_key IN (?, ?) AND r.external_ref IN (SELECT value FROM json_each(?))`,
    )
    .all(provider, provider, kind, JSON.stringify(refs)) as Array<{
    ref: string
    exact: number
    id: string
    site: string
    segment: string | null
  }>
  // The provider's own ref wins over the kind's, as in ownerByRef.
  for (const row of rows.sort((a, b) => a.exact - b.exact))
    owners.set(row.ref, {customerId: row.id, siteId: row.site, segment: row.segment ?? ''})
  return owners
}

/** A customer's segment ('' when none). */
export function segmentOf(db: Db, customerId: string): string {
  const row = db.stmt('SELECT segment FROM customers WHERE id = ?').get(customerId) as
    {segment: string | null} | undefined
  return row?.segment ?? ''
}

function refsOf(db: Db, ids: readonly string[]): Map<string, Record<string, string>> {
  const byCustomer = new Map<string, Record<string, string>>()
  if (ids.length === 0) return byCustomer
  const rows = db
    .stmt(
      `SELECT customer, provider_key, external_ref FROM customer_refs
       WHERE customer IN (SELECT value FROM json_each(?)) ORDER BY customer, provider_key`,
    )
    .all(JSON.stringify(ids)) as Array<{customer: string; provider_key: string; external_ref: string}>
  for (const row of rows) {
    const refs = byCustomer.get(row.customer) ?? {}
    refs[row.provider_key] = row.external_ref
    byCustomer.set(row.customer, refs)
  }
  return byCustomer
}

function toCustomer(row: CustomerRow, refs: Record<string, string> | undefined): Customer {
  return {
    id: row.id,
    site: row.site,
    segment: row.segment,
    name: row.name,
    email: row.email,
    refs: refs ?? {},
    createdAt: row.created_at,
    updatedAt: row.updated_at,
  }
}
