import {bothWays} from '../ops/dialect.js'
import {dual} from '../ops/dual.js'
import {all, get, now, type Ops, read, run} from '../ops/op.js'
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
export const upsertCustomers = dual(function* upsertCustomers(customers: readonly CustomerInput[]): Ops<BatchResult> {
  return yield* applyBatch.ops(customers, function* (customer) {
    const values = {
      site: customer.site,
      segment: customer.segment ?? null,
      name: customer.name ?? null,
      email: customer.email ?? null,
    }
    if ((yield* get('SELECT 1 FROM sites WHERE id = ?', [customer.site])) === undefined) {
      throw new RowRejected(`unknown site "${customer.site}"`)
    }
    const stored = yield* get<CustomerRow>(`${SELECT} WHERE id = ?`, [customer.id])
    if (stored !== undefined && stored.site !== customer.site) {
      const booked = yield* bookedForCustomer(customer.id)
      if (booked)
        throw new RowRejected(
          `customer "${customer.id}" has ${booked} at site "${stored.site}"; moving it to "${customer.site}" would split its balance across sites`,
        )
    }
    const at = yield* now()
    const refsChanged = yield* mergeRefs(customer.id, customer.refs ?? {}, stored !== undefined)
    if (stored === undefined) {
      yield* run(
        `INSERT INTO customers (id, site, segment, name, email, created_at, updated_at)
         VALUES (@id, @site, @segment, @name, @email, @at, @at)`,
        {id: customer.id, ...values, at},
      )
      yield* writeRefs(customer.id, refsChanged)
      return 'inserted'
    }
    if (sameValues(stored, values) && refsChanged.length === 0) return 'unchanged'
    yield* run(
      `UPDATE customers SET site = @site, segment = @segment, name = @name, email = @email, updated_at = @at
       WHERE id = @id`,
      {id: customer.id, ...values, at},
    )
    yield* writeRefs(customer.id, refsChanged)
    return 'updated'
  })
})

/** What is booked for a customer, if anything: 'ledger postings', 'transactions', or null. */
function* bookedForCustomer(id: string): Ops<string | null> {
  if ((yield* get('SELECT 1 FROM ledger_balances WHERE account = ? LIMIT 1', [`customer:${id}`])) !== undefined)
    return 'ledger postings'
  if ((yield* get('SELECT 1 FROM transactions WHERE customer_id = ? LIMIT 1', [id])) !== undefined)
    return 'transactions'
  return null
}

/** The refs that differ from what is stored; rejects a ref owned by another customer with a readable reason. */
function* mergeRefs(customerId: string, refs: Record<string, string>, exists: boolean): Ops<Array<[string, string]>> {
  const changed: Array<[string, string]> = []
  for (const [providerKey, externalRef] of Object.entries(refs)) {
    if (externalRef === '') continue
    const owner = yield* get<{customer: string}>(
      'SELECT customer FROM customer_refs WHERE provider_key = ? AND external_ref = ?',
      [providerKey, externalRef],
    )
    if (owner !== undefined && owner.customer !== customerId) {
      throw new RowRejected(`ref.${providerKey} "${externalRef}" already belongs to customer "${owner.customer}"`)
    }
    if (exists && owner?.customer === customerId) continue
    changed.push([providerKey, externalRef])
  }
  return changed
}

const UPSERT_REF = `INSERT INTO customer_refs (customer, provider_key, external_ref) VALUES (?, ?, ?)
     ON CONFLICT (customer, provider_key) DO UPDATE SET external_ref = excluded.external_ref`

function* writeRefs(customerId: string, refs: Array<[string, string]>): Ops<void> {
  for (const [providerKey, externalRef] of refs) yield* run(UPSERT_REF, [customerId, providerKey, externalRef])
}

export const getCustomer = dual(function* getCustomer(id: string): Ops<Customer | null> {
  const row = yield* get<CustomerRow>(`${SELECT} WHERE id = ?`, [id])
  return row === undefined ? null : toCustomer(row, (yield* refsOf([id])).get(id))
})

export interface CustomerFilter {
  site?: string
  segment?: string
  limit?: number
}

const LIST = bothWays(
  (w) => `${SELECT} WHERE (${w.unset('@site')} OR site = @site) AND (${w.unset('@segment')} OR segment = @segment)
         ORDER BY id LIMIT ${w.limit('@limit')}`,
)

export const listCustomers = dual(function* listCustomers(filter: CustomerFilter = {}): Ops<Customer[]> {
  return yield* read(
    (function* () {
      const rows = yield* all<CustomerRow>(LIST, {
        site: filter.site ?? null,
        segment: filter.segment ?? null,
        limit: filter.limit ?? -1,
      })
      const refs = yield* refsOf(rows.map((row) => row.id))
      return rows.map((row) => toCustomer(row, refs.get(row.id)))
    })(),
  )
})

/** The customer a gateway's customer id belongs to, by the `ref.<providerKey>` it was imported with. */
export const findCustomerByRef = dual(function* findCustomerByRef(
  providerKey: string,
  externalRef: string,
): Ops<Customer | null> {
  const row = yield* get<CustomerRow>(
    `SELECT c.id, c.site, c.segment, c.name, c.email, c.created_at, c.updated_at
       FROM customer_refs r JOIN customers c ON c.id = r.customer
       WHERE r.provider_key = ? AND r.external_ref = ?`,
    [providerKey, externalRef],
  )
  return row === undefined ? null : toCustomer(row, (yield* refsOf([row.id])).get(row.id))
})

/** Who a transaction belongs to, as the sync's apply needs it: the customer, their site and segment. */
export interface Owner {
  customerId: string
  siteId: string
  segment: string
}

const OWNER_BY_REF = `SELECT c.id, c.site, c.segment FROM customer_refs r JOIN customers c ON c.id = r.customer
       WHERE r.external_ref = ? AND r.provider_key IN (?, ?) ORDER BY r.provider_key = ? DESC LIMIT 1`

/**
 * The owner of a gateway's customer id. The YMS imports refs as `ref.<provider id>` or `ref.<gateway kind>`; the
 * provider id wins when both exist.
 */
export const ownerByRef = dual(function* ownerByRef(ref: string, provider: string, kind: string): Ops<Owner | null> {
  const row = yield* get<{id: string; site: string; segment: string | null}>(OWNER_BY_REF, [
    ref,
    provider,
    kind,
    provider,
  ])
  return row ? {customerId: row.id, siteId: row.site, segment: row.segment ?? ''} : null
})

const OWNERS_BY_REFS = bothWays(
  (w) => `SELECT r.external_ref AS ref, r.provider_key = ? AS exact, c.id, c.site, c.segment
       FROM customer_refs r JOIN customers c ON c.id = r.customer
       WHERE r.provider_key IN (?, ?) AND r.external_ref ${w.inList('text')}`,
)

/** ownerByRef for many refs in one statement (a webhook group's customers): null for a ref no customer has. */
export const ownersByRefs = dual(function* ownersByRefs(
  refs: readonly string[],
  provider: string,
  kind: string,
): Ops<Map<string, Owner | null>> {
  const owners = new Map<string, Owner | null>(refs.map((ref) => [ref, null]))
  if (refs.length === 0) return owners
  const rows = yield* all<{
    ref: string
    /** 1 or 0 on SQLite, a boolean on PostgreSQL. */
    exact: number | boolean
    id: string
    site: string
    segment: string | null
  }>(OWNERS_BY_REFS, [provider, provider, kind, JSON.stringify(refs)])
  // The provider's own ref wins over the kind's, as in ownerByRef.
  for (const row of rows.sort((a, b) => Number(a.exact) - Number(b.exact)))
    owners.set(row.ref, {customerId: row.id, siteId: row.site, segment: row.segment ?? ''})
  return owners
})

/** A customer's segment ('' when none). */
export const segmentOf = dual(function* segmentOf(customerId: string): Ops<string> {
  const row = yield* get<{segment: string | null}>('SELECT segment FROM customers WHERE id = ?', [customerId])
  return row?.segment ?? ''
})

const SEGMENTS_IN = bothWays((w) => `SELECT id, segment FROM customers WHERE id ${w.inList('text')}`)

/** segmentOf for several customers at once ('' when none); a customer not found is left out. */
export const segmentsOf = dual(function* segmentsOf(customerIds: readonly string[]): Ops<Map<string, string>> {
  const segments = new Map<string, string>()
  if (customerIds.length === 0) return segments
  for (const row of yield* all<{id: string; segment: string | null}>(SEGMENTS_IN, [JSON.stringify(customerIds)]))
    segments.set(row.id, row.segment ?? '')
  return segments
})

const REFS_OF = bothWays(
  (w) => `SELECT customer, provider_key, external_ref FROM customer_refs
       WHERE customer ${w.inList('text')} ORDER BY customer, provider_key`,
)

function* refsOf(ids: readonly string[]): Ops<Map<string, Record<string, string>>> {
  const byCustomer = new Map<string, Record<string, string>>()
  if (ids.length === 0) return byCustomer
  const rows = yield* all<{customer: string; provider_key: string; external_ref: string}>(REFS_OF, [
    JSON.stringify(ids),
  ])
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
