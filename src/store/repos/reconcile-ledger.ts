import type {Balances} from '../../core/reconcile/identity.js'
import {bothWays, words, type Words} from '../ops/dialect.js'
import {dual} from '../ops/dual.js'
import {all, get, type Ops, type Sql} from '../ops/op.js'

const SITE_BALANCES = bothWays(
  (w) => `SELECT substr(account, 10) AS customer, currency, minor FROM ledger_balances
       WHERE ${w.startsWith('account', 'customer:')} AND site = ? AND minor <> 0`,
)

/** Every customer balance of the site, by customer and currency (zero balances left out). */
export const siteCustomerBalances = dual(function* siteCustomerBalances(site: string): Ops<Balances> {
  const rows = yield* all<{customer: string; currency: string; minor: number}>(SITE_BALANCES, [site])
  const balances: Balances = new Map()
  for (const r of rows) {
    let own = balances.get(r.customer)
    if (!own) balances.set(r.customer, (own = new Map()))
    own.set(r.currency, r.minor)
  }
  return balances
})

/** A transaction of the customers examined, with what its postings put on its customer's account per currency. */
export interface PostedTxn {
  seq: number
  id: string
  provider: string
  type: string
  status: string
  amount: number
  currency: string
  customer: string
  invoiceRef: string | null
  /** The seq of the transaction it names as its parent (refunds, disputes), if the ledger holds it. */
  parentSeq: number | null
  posted: Map<string, number>
}

const CUSTOMER_TRANSACTIONS = bothWays(
  (
    w,
  ) => `SELECT t.seq, t.id, t.provider, t.type, t.status, t.amount_minor AS amount, t.currency, t.customer_id AS customer,
         t.invoice_ref AS ${w.alias('invoiceRef')},
         (SELECT p.seq FROM transactions p WHERE p.id = t.provider || ':' || t.parent_external_id) AS ${w.alias('parentSeq')}
       FROM transactions t WHERE t.seq IN (
         SELECT seq FROM transactions${w.indexedBy('transactions_site_time')}
         WHERE site_id = @site AND customer_id ${w.inList('text', '@customers')})
       ORDER BY t.seq`,
)

/**
 * Every transaction of these customers at the site, found through transactions_site_time (it carries customer_id,
 * so no row is read for other customers), with its postings on the customer's account.
 */
export const customerTransactions = dual(function* customerTransactions(
  site: string,
  customers: readonly string[],
): Ops<PostedTxn[]> {
  const rows = yield* all<Omit<PostedTxn, 'posted'>>(CUSTOMER_TRANSACTIONS, {
    site,
    customers: JSON.stringify(customers),
  })
  const posted = yield* postingsOnCustomers.ops(rows.map((r) => r.seq))
  return rows.map((r) => ({...r, posted: posted.get(r.seq) ?? new Map()}))
})

const POSTINGS_ON_CUSTOMERS = bothWays(
  (w) => `SELECT txn_seq AS seq, currency, SUM(amount_minor) AS minor FROM ledger_postings
       WHERE txn_seq ${w.inList('integer')} AND ${w.startsWith('account', 'customer:')} GROUP BY txn_seq, currency`,
)

/** What each of these transactions' postings put on customer accounts, per currency (zero sums left out). */
export const postingsOnCustomers = dual(function* postingsOnCustomers(
  seqs: readonly number[],
): Ops<Map<number, Map<string, number>>> {
  const rows = yield* all<{seq: number; currency: string; minor: number}>(POSTINGS_ON_CUSTOMERS, [JSON.stringify(seqs)])
  const out = new Map<number, Map<string, number>>()
  for (const r of rows) {
    let own = out.get(r.seq)
    if (!own) out.set(r.seq, (own = new Map()))
    if (r.minor !== 0) own.set(r.currency, r.minor)
  }
  return out
})

// The list's ids become txn_ids inside the list, so it is spelled whole: json_each's rows have a `value` column,
// PostgreSQL's json_array_elements_text is a set-returning function.
const invoicePostingsSql = (w: Words, txnIds: string) =>
  `SELECT substr(txn_id, 9) AS id, currency, SUM(amount_minor) AS minor FROM ledger_postings
       WHERE txn_seq IS NULL AND txn_id IN (${txnIds}) AND ${w.startsWith('account', 'customer:')}
       GROUP BY txn_id, currency`
const INVOICE_POSTINGS: Sql = {
  sqlite: invoicePostingsSql(words('sqlite'), "SELECT 'invoice:' || value FROM json_each(?)"),
  postgres: invoicePostingsSql(words('postgres'), "SELECT 'invoice:' || json_array_elements_text(CAST(? AS json))"),
}

/** What each of these invoices' postings put on customer accounts, per currency (zero sums left out). */
export const invoicePostings = dual(function* invoicePostings(
  ids: readonly string[],
): Ops<Map<string, Map<string, number>>> {
  const rows = yield* all<{id: string; currency: string; minor: number}>(INVOICE_POSTINGS, [JSON.stringify(ids)])
  const out = new Map<string, Map<string, number>>()
  for (const r of rows) {
    let own = out.get(r.id)
    if (!own) out.set(r.id, (own = new Map()))
    if (r.minor !== 0) own.set(r.currency, r.minor)
  }
  return out
})

export interface PostedInvoice {
  row: number
  id: string
  customer: string
  amount: number
  currency: string
  /** What the invoice's postings put on the customer's account, per currency. */
  posted: Map<string, number>
}

// An invoice's `row` (row_no), which the reconciliation's arrays are indexed by: its import order (schema version 16).
// Ordered as SQLite's GROUP BY orders: by row, then currency.
const CUSTOMER_INVOICES = bothWays(
  (
    w,
  ) => `SELECT i.row_no AS row, i.id, i.customer, i.amount_minor AS amount, i.currency, l.currency AS ${w.alias('postedCurrency')},
         SUM(l.amount_minor) AS posted
       FROM invoices i LEFT JOIN ledger_postings l
         ON l.txn_seq IS NULL AND l.txn_id = 'invoice:' || i.id AND l.account = 'customer:' || i.customer
       WHERE i.customer ${w.inList('text', '@customers')} AND i.site = @site
       GROUP BY i.row_no, l.currency ORDER BY i.row_no, l.currency`,
)

export const customerInvoices = dual(function* customerInvoices(
  site: string,
  customers: readonly string[],
): Ops<PostedInvoice[]> {
  const rows = yield* all<Omit<PostedInvoice, 'posted'> & {postedCurrency: string | null; posted: number | null}>(
    CUSTOMER_INVOICES,
    {site, customers: JSON.stringify(customers)},
  )
  const byRow = new Map<number, PostedInvoice>()
  for (const r of rows) {
    let invoice = byRow.get(r.row)
    if (!invoice) {
      const {postedCurrency: _c, posted: _p, ...fields} = r
      byRow.set(r.row, (invoice = {...fields, posted: new Map()}))
    }
    if (r.postedCurrency !== null && r.posted) invoice.posted.set(r.postedCurrency, r.posted)
  }
  return [...byRow.values()]
})

/** An open quarantine item that was a valid transaction (it has a normalized form): what the gateway reported. */
export interface HeldTxn {
  provider: string
  externalId: string
  reason: string
  detail: string
  normalizedJson: string
}

const HELD = bothWays(
  (
    w,
  ) => `SELECT provider, external_id AS ${w.alias('externalId')}, reason, detail, normalized_json AS ${w.alias('normalizedJson')} FROM quarantine
       WHERE status = 'open' AND normalized_json IS NOT NULL ORDER BY id`,
)

export const heldTransactions = dual(function* heldTransactions(): Ops<HeldTxn[]> {
  return yield* all<HeldTxn>(HELD)
})

const TXN_OWNERS = bothWays(
  (w) => `SELECT id, seq, site_id AS site, customer_id AS customer FROM transactions
       WHERE id ${w.inList('text')}`,
)

/** The seq, site and customer of each of these stored transactions (by id; absent ones left out). */
export const txnOwners = dual(function* txnOwners(
  ids: readonly string[],
): Ops<Map<string, {seq: number; site: string | null; customer: string | null}>> {
  const rows = yield* all<{id: string; seq: number; site: string | null; customer: string | null}>(TXN_OWNERS, [
    JSON.stringify(ids),
  ])
  return new Map(rows.map(({id, ...owner}) => [id, owner]))
})

const INVOICE_ROW = 'SELECT row_no AS row, site FROM invoices WHERE id = ?'

/** The row (row_no) and site of an invoice. */
export const invoiceRow = dual(function* invoiceRow(id: string): Ops<{row: number; site: string} | null> {
  return (yield* get<{row: number; site: string}>(INVOICE_ROW, [id])) ?? null
})
