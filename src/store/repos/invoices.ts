import {bothWays} from '../ops/dialect.js'
import {dual} from '../ops/dual.js'
import {all, get, now, type Ops, run} from '../ops/op.js'
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
export const upsertInvoices = dual(function* upsertInvoices(invoices: readonly InvoiceInput[]): Ops<BatchResult> {
  return yield* applyBatch.ops(invoices, function* (invoice) {
    if (!Number.isSafeInteger(invoice.amountMinor)) {
      throw new RowRejected(`amount ${invoice.amountMinor} is not an integer number of minor units`)
    }
    if ((yield* get('SELECT 1 FROM sites WHERE id = ?', [invoice.site])) === undefined) {
      throw new RowRejected(`unknown site "${invoice.site}"`)
    }
    const owner = yield* get<{site: string}>('SELECT site FROM customers WHERE id = ?', [invoice.customer])
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
    const stored = yield* get<InvoiceRow>(`${SELECT} WHERE id = ?`, [invoice.id])
    const at = yield* now()
    if (stored === undefined) {
      yield* run(
        `INSERT INTO invoices (id, site, customer, amount_minor, currency, issued_at, due_at, created_at, updated_at)
         VALUES (@id, @site, @customer, @amount_minor, @currency, @issued_at, @due_at, @at, @at)`,
        {id: invoice.id, ...values, at},
      )
      return 'inserted'
    }
    if (sameValues(stored, values)) return 'unchanged'
    yield* run(
      `UPDATE invoices SET site = @site, customer = @customer, amount_minor = @amount_minor, currency = @currency,
       issued_at = @issued_at, due_at = @due_at, updated_at = @at WHERE id = @id`,
      {id: invoice.id, ...values, at},
    )
    return 'updated'
  })
})

export const getInvoice = dual(function* getInvoice(id: string): Ops<Invoice | null> {
  const row = yield* get<InvoiceRow>(`${SELECT} WHERE id = ?`, [id])
  return row === undefined ? null : toInvoice(row)
})

export interface InvoiceFilter {
  site?: string
  customer?: string
  /** issued_at >= from (inclusive), issued_at < to (exclusive); ISO strings compare lexically. */
  from?: string
  to?: string
  limit?: number
}

const LIST = bothWays(
  (w) => `${SELECT} WHERE (${w.unset('@site')} OR site = @site) AND (${w.unset('@customer')} OR customer = @customer)
       AND (${w.unset('@from')} OR issued_at >= @from) AND (${w.unset('@to')} OR issued_at < @to)
       ORDER BY issued_at, id LIMIT ${w.limit('@limit')}`,
)

export const listInvoices = dual(function* listInvoices(filter: InvoiceFilter = {}): Ops<Invoice[]> {
  const rows = yield* all<InvoiceRow>(LIST, {
    site: filter.site ?? null,
    customer: filter.customer ?? null,
    from: filter.from ?? null,
    to: filter.to ?? null,
    limit: filter.limit ?? -1,
  })
  return rows.map(toInvoice)
})

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
