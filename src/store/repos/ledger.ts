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

/**
 * What a posting set belongs to: a gateway transaction (by its arrival sequence, the postings' key) or another
 * document such as an invoice (`invoice:<id>`, by its text id).
 */
export type PostingKey = {seq: number; id: string} | {document: string}

/** The cumulative effect of everything posted for one transaction (or invoice), per account and currency. */
export function postedPositions(db: Db, key: PostingKey): {lines: PostingLine[]; lastVersion: number} {
  const rows = (
    'seq' in key
      ? db
          .stmt(
            `SELECT account, currency, SUM(amount_minor) AS minor, MAX(version) AS v FROM ledger_postings WHERE txn_seq = ? GROUP BY account, currency`,
          )
          .all(key.seq)
      : db
          .stmt(
            `SELECT account, currency, SUM(amount_minor) AS minor, MAX(version) AS v FROM ledger_postings WHERE txn_seq IS NULL AND txn_id = ? GROUP BY account, currency`,
          )
          .all(key.document)
  ) as Array<{account: string; currency: string; minor: number; v: number}>
  const lastVersion = rows.reduce((max, r) => Math.max(max, r.v), 0)
  return {lines: rows.map((r) => ({account: r.account, currency: r.currency, minor: r.minor})), lastVersion}
}

/** The posting key of a stored transaction id, or of a document id when no transaction has it. */
export function postingKeyOf(db: Db, id: string): PostingKey {
  const seq = db.stmt('SELECT seq FROM transactions WHERE id = ?').pluck().get(id) as number | undefined
  return seq === undefined ? {document: id} : {seq, id}
}

/**
 * Appends one balanced posting set; the unique (key, version, account, currency) makes a replay a no-op. Balances
 * follow in the same statement (trigger ledger_balances_post).
 */
export function insertPostings(
  db: Db,
  key: PostingKey,
  version: number,
  lines: readonly PostingLine[],
  meta: PostingMeta,
  at: string = db.now(),
): number {
  if (lines.length === 0) return 0
  const [seq, id] = 'seq' in key ? [key.seq, key.id] : [null, key.document]
  // One statement per posting set (a set has a handful of lines): the per-statement cost, not the rows, dominated.
  const values: unknown[] = []
  for (const l of lines)
    values.push(seq, id, version, l.account, l.minor, l.currency, meta.provider, meta.site, meta.customer, at)
  return db.stmt(insertPostingsSql('seq' in key, lines.length)).run(...values).changes
}

const postingsSql = new Map<string, string>()

function insertPostingsSql(byTxn: boolean, rows: number): string {
  const cacheKey = `${byTxn}:${rows}`
  let sql = postingsSql.get(cacheKey)
  if (!sql) {
    const conflict = byTxn
      ? '(txn_seq, version, account, currency) WHERE txn_seq IS NOT NULL'
      : '(txn_id, version, account, currency) WHERE txn_seq IS NULL'
    sql = `INSERT INTO ledger_postings (txn_seq, txn_id, version, account, amount_minor, currency, provider, site, customer, posted_at)
      VALUES ${Array.from({length: rows}, () => '(?, ?, ?, ?, ?, ?, ?, ?, ?, ?)').join(', ')} ON CONFLICT ${conflict} DO NOTHING`
    postingsSql.set(cacheKey, sql)
  }
  return sql
}

export function customerBalances(db: Db, customerId: string): Money[] {
  const rows = db
    .stmt(
      `SELECT currency, SUM(minor) AS minor FROM ledger_balances WHERE account = ? GROUP BY currency ORDER BY currency`,
    )
    .all(`customer:${customerId}`) as Array<{currency: string; minor: number}>
  return rows.filter((r) => r.minor !== 0).map((r) => ({minor: r.minor, currency: r.currency}))
}

/** Per site and currency: what customers of the site owe in total (sum of their customer accounts). */
export function siteBalances(db: Db): Array<{site: string; currency: string; minor: number}> {
  return db
    .stmt(
      `SELECT site, currency, SUM(minor) AS minor FROM ledger_balances
       WHERE account GLOB 'customer:*' AND site <> '' GROUP BY site, currency ORDER BY site, currency`,
    )
    .all() as Array<{site: string; currency: string; minor: number}>
}

export function postingsFor(db: Db, txnId: string): StoredPosting[] {
  const key = postingKeyOf(db, txnId)
  const columns = 'txn_id, version, account, amount_minor, currency, provider, site, customer, posted_at'
  const rows = (
    'seq' in key
      ? db.stmt(`SELECT ${columns} FROM ledger_postings WHERE txn_seq = ? ORDER BY version, id`).all(key.seq)
      : db
          .stmt(`SELECT ${columns} FROM ledger_postings WHERE txn_seq IS NULL AND txn_id = ? ORDER BY version, id`)
          .all(key.document)
  ) as Array<{
    txn_id: string
    version: number
    account: string
    amount_minor: number
    currency: string
    provider: string | null
    site: string | null
    customer: string | null
    posted_at: string
  }>
  return rows.map((r) => ({
    txnId: r.txn_id,
    version: r.version,
    account: r.account,
    minor: r.amount_minor,
    currency: r.currency,
    provider: r.provider,
    site: r.site,
    customer: r.customer,
    postedAt: r.posted_at,
  }))
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
