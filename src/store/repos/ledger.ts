import type {PostingLine} from '../../core/ledger.js'
import type {Money} from '../../core/transaction.js'
import type {Db} from '../db.js'

export interface PostingMeta {
  provider: string | null
  site: string | null
  customer: string | null
}

export interface StoredPosting extends PostingLine {
  txnId: string
  version: number
  provider: string | null
  site: string | null
  customer: string | null
  postedAt: string
}

export interface TxnSummary {
  id: string
  provider: string
  type: string
  status: string
  amount: Money
  customer: string | null
  site: string | null
  occurredAt: string
  updatedAt: string
}

/** The cumulative effect of everything posted for one transaction (or invoice), per account and currency. */
export function postedPositions(db: Db, txnId: string): {lines: PostingLine[]; lastVersion: number} {
  const rows = db
    .stmt(
      `SELECT account, currency, SUM(amount_minor) AS minor, MAX(version) AS v FROM ledger_postings
       WHERE txn_id = ? GROUP BY account, currency`,
    )
    .all(txnId) as Array<{account: string; currency: string; minor: number; v: number}>
  const lastVersion = rows.reduce((max, r) => Math.max(max, r.v), 0)
  return {lines: rows.map((r) => ({account: r.account, currency: r.currency, minor: r.minor})), lastVersion}
}

/** Appends one balanced posting set; the UNIQUE (txn_id, version, account, currency) key makes a replay a no-op. */
export function insertPostings(db: Db, txnId: string, version: number, lines: readonly PostingLine[], meta: PostingMeta): number {
  const insert = db.stmt(
    `INSERT INTO ledger_postings (txn_id, version, account, amount_minor, currency, provider, site, customer, posted_at)
     VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT (txn_id, version, account, currency) DO NOTHING`,
  )
  const at = db.now()
  let n = 0
  for (const l of lines) n += insert.run(txnId, version, l.account, l.minor, l.currency, meta.provider, meta.site, meta.customer, at).changes
  return n
}

export function customerBalances(db: Db, customerId: string): Money[] {
  const rows = db
    .stmt(`SELECT currency, SUM(amount_minor) AS minor FROM ledger_postings WHERE account = ? GROUP BY currency ORDER BY currency`)
    .all(`customer:${customerId}`) as Array<{currency: string; minor: number}>
  return rows.filter((r) => r.minor !== 0).map((r) => ({minor: r.minor, currency: r.currency}))
}

/** Per site and currency: what customers of the site owe in total (sum of their customer accounts). */
export function siteBalances(db: Db): Array<{site: string; currency: string; minor: number}> {
  return db
    .stmt(
      `SELECT site, currency, SUM(amount_minor) AS minor FROM ledger_postings
       WHERE account LIKE 'customer:%' AND site IS NOT NULL GROUP BY site, currency ORDER BY site, currency`,
    )
    .all() as Array<{site: string; currency: string; minor: number}>
}

export function postingsFor(db: Db, txnId: string): StoredPosting[] {
  const rows = db
    .stmt(
      `SELECT txn_id, version, account, amount_minor, currency, provider, site, customer, posted_at FROM ledger_postings
       WHERE txn_id = ? ORDER BY version, id`,
    )
    .all(txnId) as Array<{txn_id: string; version: number; account: string; amount_minor: number; currency: string; provider: string | null; site: string | null; customer: string | null; posted_at: string}>
  return rows.map((r) => ({txnId: r.txn_id, version: r.version, account: r.account, minor: r.amount_minor, currency: r.currency, provider: r.provider, site: r.site, customer: r.customer, postedAt: r.posted_at}))
}

export function recentTransactions(db: Db, filter: {customer?: string; limit: number}): TxnSummary[] {
  const rows = db
    .stmt(
      `SELECT id, provider, type, status, amount_minor, currency, customer_id, site_id, occurred_at, updated_at FROM transactions
       WHERE (@customer IS NULL OR customer_id = @customer) ORDER BY occurred_at DESC, id LIMIT @limit`,
    )
    .all({customer: filter.customer ?? null, limit: filter.limit}) as Array<Record<string, string | number | null>>
  return rows.map(toSummary)
}

export function toSummary(r: Record<string, string | number | null>): TxnSummary {
  return {
    id: String(r.id),
    provider: String(r.provider),
    type: String(r.type),
    status: String(r.status),
    amount: {minor: Number(r.amount_minor), currency: String(r.currency)},
    customer: (r.customer_id as string | null) ?? null,
    site: (r.site_id as string | null) ?? null,
    occurredAt: String(r.occurred_at),
    updatedAt: String(r.updated_at),
  }
}
