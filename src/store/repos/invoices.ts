import type {Db} from '../db.js'
import {applyBatch, RowRejected, sameValues, type BatchResult} from './batch.js'

export interface InvoiceInput {
  id: string
  site: string
  customer: string
  amountMinor: number // ISO minor units, parsed exactly by the caller
  currency: string
  issuedAt: string
  dueAt?: string | null
}

export interface Invoice {
  id: string
  site: string
  customer: string
  amountMinor: number
  currency: string
  issuedAt: string
  dueAt: string | null
  createdAt: string
  updatedAt: string
}

interface InvoiceRow {
  id: string
  site: string
  customer: string
  amount_minor: number
  currency: string
  issued_at: string
  due_at: string | null
  created_at: string
  updated_at: string
}

const SELECT =
  'SELECT id, site, customer, amount_minor, currency, issued_at, due_at, created_at, updated_at FROM invoices'

/**
 * Idempotent import with per-row inserted/updated/unchanged. An unknown site or customer, or a site that is not
 * the customer's, rejects the row alone: the invoice would be booked to another site's revenue.
 */
export function upsertInvoices(db: Db, invoices: readonly InvoiceInput[]): BatchResult {
  return applyBatch(db, invoices, (invoice) => {
    if (!Number.isSafeInteger(invoice.amountMinor)) {
      throw new RowRejected(`amount ${invoice.amountMinor} is not an integer number of minor units`)
    }
    if (db.stmt('SELECT 1 FROM sites WHERE id = ?').get(invoice.site) === undefined) {
      throw new RowRejected(`unknown site "${invoice.site}"`)
    }
    const owner = db.stmt('SELECT site FROM customers WHERE id = ?').get(invoice.customer) as {site: string} | undefined
    if (owner === undefined) throw new RowRejected(`unknown customer "${invoice.customer}"`)
    if (owner.site !== invoice.site) {
      throw new RowRejected(`customer "${invoice.customer}" belongs to site "${owner.site}", not "${invoice.site}"`)
    }
    const values = {
      site: invoice.site,
      customer: invoice.customer,
      amount_minor: invoice.amountMinor,
      currency: invoice.currency,
      issued_at: invoice.issuedAt,
      due_at: invoice.dueAt ?? null,
    }
    const stored = db.stmt(`${SELECT} WHERE id = ?`).get(invoice.id) as InvoiceRow | undefined
    const at = db.now()
    if (stored === undefined) {
      db.stmt(
        `INSERT INTO invoices (id, site, customer, amount_minor, currency, issued_at, due_at, created_at, updated_at)
         VALUES (@id, @site, @customer, @amount_minor, @currency, @issued_at, @due_at, @at, @at)`,
      ).run({id: invoice.id, ...values, at})
      return 'inserted'
    }
    if (sameValues(stored, values)) return 'unchanged'
    db.stmt(
      `UPDATE invoices SET site = @site, customer = @customer, amount_minor = @amount_minor, currency = @currency,
       issued_at = @issued_at, due_at = @due_at, updated_at = @at WHERE id = @id`,
    ).run({id: invoice.id, ...values, at})
    return 'updated'
  })
}

export function getInvoice(db: Db, id: string): Invoice | null {
  const row = db.stmt(`${SELECT} WHERE id = ?`).get(id) as InvoiceRow | undefined
  return row === undefined ? null : toInvoice(row)
}

export interface InvoiceFilter {
  site?: string
  customer?: string
  /** issued_at >= from (inclusive), issued_at < to (exclusive); ISO strings compare lexically. */
  from?: string
  to?: string
  limit?: number
}

export function listInvoices(db: Db, filter: InvoiceFilter = {}): Invoice[] {
  const rows = db
    .stmt(
      `${SELECT} WHERE (@site IS NULL OR site = @site) AND (@customer IS NULL OR customer = @customer)
       AND (@from IS NULL OR issued_at >= @from) AND (@to IS NULL OR issued_at < @to)
       ORDER BY issued_at, id LIMIT @limit`,
    )
    .all({
      site: filter.site ?? null,
      customer: filter.customer ?? null,
      from: filter.from ?? null,
      to: filter.to ?? null,
      limit: filter.limit ?? -1,
    }) as InvoiceRow[]
  return rows.map(toInvoice)
}

function toInvoice(row: InvoiceRow): Invoice {
  return {
    id: row.id,
    site: row.site,
    customer: row.customer,
    amountMinor: row.amount_minor,
    currency: row.currency,
    issuedAt: row.issued_at,
    dueAt: row.due_at,
    createdAt: row.created_at,
    updatedAt: row.updated_at,
  }
}
