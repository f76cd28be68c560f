import type {Balances} from '../../core/reconcile/identity.js'
import type {Db} from '../db.js'

/** Every customer balance of the site, by customer and currency (zero balances left out). */
export function siteCustomerBalances(db: Db, site: string): Balances {
  const rows = db
    .stmt(
      `SELECT substr(account, 10) AS customer, currency, minor FROM ledger_balances
       WHERE account GLOB 'customer:*' AND site = ? AND minor <> 0`,
    )
    .all(site) as Array<{customer: string; currency: string; minor: number}>
  const balances: Balances = new Map()
  for (const r of rows) {
    let own = balances.get(r.customer)
    if (!own) balances.set(r.customer, (own = new Map()))
    own.set(r.currency, r.minor)
  }
  return balances
}

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

/**
 * Every transaction of these customers at the site, found through transactions_site_time (it carries customer_id,
 * so no row is read for other customers), with its postings on the customer's account.
 */
export function customerTransactions(db: Db, site: string, customers: readonly string[]): PostedTxn[] {
  const rows = db
    .stmt(
      `SELECT t.seq, t.id, t.provider, t.type, t.status, t.amount_minor AS amount, t.currency, t.customer_id AS customer,
         t.invoice_ref AS invoiceRef,
         (SELECT p.seq FROM transactions p WHERE p.id = t.provider || ':' || t.parent_external_id) AS parentSeq
       FROM transactions t WHERE t.seq IN (
         SELECT seq FROM transactions INDEXED BY transactions_site_time
         WHERE site_id = @site AND customer_id IN (SELECT value FROM json_each(@customers)))
       ORDER BY t.seq`,
    )
    .all({site, customers: JSON.stringify(customers)}) as Array<Omit<PostedTxn, 'posted'>>
  const posted = postingsOnCustomers(
    db,
    rows.map((r) => r.seq),
  )
  return rows.map((r) => ({...r, posted: posted.get(r.seq) ?? new Map()}))
}

/** What each of these transactions' postings put on customer accounts, per currency (zero sums left out). */
export function postingsOnCustomers(db: Db, seqs: readonly number[]): Map<number, Map<string, number>> {
  const rows = db
    .stmt(
      `SELECT txn_seq AS seq, currency, SUM(amount_minor) AS minor FROM ledger_postings
       WHERE txn_seq IN (SELECT value FROM json_each(?)) AND account GLOB 'customer:*' GROUP BY txn_seq, currency`,
    )
    .all(JSON.stringify(seqs)) as Array<{seq: number; currency: string; minor: number}>
  const out = new Map<number, Map<string, number>>()
  for (const r of rows) {
    let own = out.get(r.seq)
    if (!own) out.set(r.seq, (own = new Map()))
    if (r.minor !== 0) own.set(r.currency, r.minor)
  }
  return out
}

/** What each of these invoices' postings put on customer accounts, per currency (zero sums left out). */
export function invoicePostings(db: Db, ids: readonly string[]): Map<string, Map<string, number>> {
  const rows = db
    .stmt(
      `SELECT substr(txn_id, 9) AS id, currency, SUM(amount_minor) AS minor FROM ledger_postings
       WHERE txn_seq IS NULL AND txn_id IN (SELECT 'invoice:' || value FROM json_each(?)) AND account GLOB 'customer:*'
       GROUP BY txn_id, currency`,
    )
    .all(JSON.stringify(ids)) as Array<{id: string; currency: string; minor: number}>
  const out = new Map<string, Map<string, number>>()
  for (const r of rows) {
    let own = out.get(r.id)
    if (!own) out.set(r.id, (own = new Map()))
    if (r.minor !== 0) own.set(r.currency, r.minor)
  }
  return out
}

export interface PostedInvoice {
  row: number
  id: string
  customer: string
  amount: number
  currency: string
  /** What the invoice's postings put on the customer's account, per currency. */
  posted: Map<string, number>
}

export function customerInvoices(db: Db, site: string, customers: readonly string[]): PostedInvoice[] {
  const rows = db
    .stmt(
      `SELECT i.rowid AS row, i.id, i.customer, i.amount_minor AS amount, i.currency, l.currency AS postedCurrency,
         SUM(l.amount_minor) AS posted
       FROM invoices i LEFT JOIN ledger_postings l
         ON l.txn_seq IS NULL AND l.txn_id = 'invoice:' || i.id AND l.account = 'customer:' || i.customer
       WHERE i.customer IN (SELECT value FROM json_each(@customers)) AND i.site = @site
       GROUP BY i.rowid, l.currency ORDER BY i.rowid`,
    )
    .all({site, customers: JSON.stringify(customers)}) as Array<
    Omit<PostedInvoice, 'posted'> & {postedCurrency: string | null; posted: number | null}
  >
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
}

/** An open quarantine item that was a valid transaction (it has a normalized form): what the gateway reported. */
export interface HeldTxn {
  provider: string
  externalId: string
  reason: string
  detail: string
  normalizedJson: string
}

export function heldTransactions(db: Db): HeldTxn[] {
  return db
    .stmt(
      `SELECT provider, external_id AS externalId, reason, detail, normalized_json AS normalizedJson FROM quarantine
       WHERE status = 'open' AND normalized_json IS NOT NULL ORDER BY id`,
    )
    .all() as HeldTxn[]
}

/** The seq, site and customer of each of these stored transactions (by id; absent ones left out). */
export function txnOwners(
  db: Db,
  ids: readonly string[],
): Map<string, {seq: number; site: string | null; customer: string | null}> {
  const rows = db
    .stmt(
      `SELECT id, seq, site_id AS site, customer_id AS customer FROM transactions
       WHERE id IN (SELECT value FROM json_each(?))`,
    )
    .all(JSON.stringify(ids)) as Array<{id: string; seq: number; site: string | null; customer: string | null}>
  return new Map(rows.map(({id, ...owner}) => [id, owner]))
}

/** The rowid and site of an invoice. */
export function invoiceRow(db: Db, id: string): {row: number; site: string} | null {
  return (
    (db.stmt('SELECT rowid AS row, site FROM invoices WHERE id = ?').get(id) as {row: number; site: string}) ?? null
  )
}
