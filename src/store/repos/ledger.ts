import type {PostingLine} from '../../core/ledger.js'
import type {Money} from '../../core/transaction.js'
import {bothWays} from '../ops/dialect.js'
import {dual} from '../ops/dual.js'
import {all, engine, type HeldInsert, heldText, later, now, type Ops, run, value} from '../ops/op.js'

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

// The lines come in account and currency order on both engines (Words.groupOrder).
const positionsWhere = (where: string) =>
  bothWays(
    (w) =>
      `SELECT account, currency, SUM(amount_minor) AS minor, MAX(version) AS v FROM ledger_postings WHERE ${where} GROUP BY account, currency${w.groupOrder('account, currency')}`,
  )
const POSITIONS_BY_TXN = positionsWhere('txn_seq = ?')
const POSITIONS_BY_DOCUMENT = positionsWhere('txn_seq IS NULL AND txn_id = ?')

/** The cumulative effect of everything posted for one transaction (or invoice), per account and currency. */
export const postedPositions = dual(function* postedPositions(
  key: PostingKey,
): Ops<{lines: PostingLine[]; lastVersion: number}> {
  const rows = yield* all<{account: string; currency: string; minor: number; v: number}>(
    'seq' in key ? POSITIONS_BY_TXN : POSITIONS_BY_DOCUMENT,
    ['seq' in key ? key.seq : key.document],
  )
  const lastVersion = rows.reduce((max, r) => Math.max(max, r.v), 0)
  return {
    lines: rows.map((r): PostingLine => ({account: r.account, currency: r.currency, minor: r.minor})),
    lastVersion,
  }
})

/** The posting key of a stored transaction id, or of a document id when no transaction has it. */
export const postingKeyOf = dual(function* postingKeyOf(id: string): Ops<PostingKey> {
  const seq = yield* value<number>('SELECT seq FROM transactions WHERE id = ?', [id])
  return seq === undefined ? {document: id} : {seq, id}
})

/**
 * Appends one balanced posting set; the unique (key, version, account, currency) makes a replay a no-op. Balances
 * follow in the same statement (trigger ledger_balances_post).
 */
export const insertPostings = dual(function* insertPostings(
  key: PostingKey,
  version: number,
  lines: readonly PostingLine[],
  meta: PostingMeta,
  at?: string,
): Ops<number> {
  if (lines.length === 0) return 0
  const when = at ?? (yield* now())
  const [seq, id] = 'seq' in key ? [key.seq, key.id] : [null, key.document]
  // One statement per posting set (a set has a handful of lines): the per-statement cost, not the rows, dominated.
  const values: unknown[] = []
  for (const l of lines)
    values.push(seq, id, version, l.account, l.minor, l.currency, meta.provider, meta.site, meta.customer, when)
  const text = heldText('seq' in key ? BY_TXN : BY_DOCUMENT, lines.length, yield* engine())
  return (yield* run(text, values)).changes
})

/**
 * The first posting set of a transaction new in this write (its seq just taken): no earlier line can conflict, so
 * every line is written and nothing need be asked back; on PostgreSQL the lines wait to go with the page's others in
 * one statement (op.ts `later`), whose balances the trigger then updates once.
 */
export const insertFirstPostings = dual(function* insertFirstPostings(
  key: {seq: number; id: string},
  version: number,
  lines: readonly PostingLine[],
  meta: PostingMeta,
  at: string,
): Ops<number> {
  const values: unknown[] = []
  for (const l of lines)
    values.push(key.seq, key.id, version, l.account, l.minor, l.currency, meta.provider, meta.site, meta.customer, at)
  yield* later(FIRST_BY_TXN, lines.length, values)
  return lines.length
})

const POSTINGS_HEAD = `INSERT INTO ledger_postings (txn_seq, txn_id, version, account, amount_minor, currency, provider, site, customer, posted_at)`
const POSTINGS_ROW = '(?, ?, ?, ?, ?, ?, ?, ?, ?, ?)'
const BY_TXN: HeldInsert = {
  head: POSTINGS_HEAD,
  row: POSTINGS_ROW,
  tail: 'ON CONFLICT (txn_seq, version, account, currency) WHERE txn_seq IS NOT NULL DO NOTHING',
  alsoChanges: ['ledger_balances'], // the trigger ledger_balances_post
}
// A new transaction's first set: on PostgreSQL its seq is new, so no line of it exists yet (by COPY there).
const FIRST_BY_TXN: HeldInsert = {...BY_TXN, copy: true}
const BY_DOCUMENT: HeldInsert = {
  head: POSTINGS_HEAD,
  row: POSTINGS_ROW,
  tail: 'ON CONFLICT (txn_id, version, account, currency) WHERE txn_seq IS NULL DO NOTHING',
  alsoChanges: ['ledger_balances'],
}

export const customerBalances = dual(function* customerBalances(customerId: string): Ops<Money[]> {
  const rows = yield* all<{currency: string; minor: number}>(
    `SELECT currency, SUM(minor) AS minor FROM ledger_balances WHERE account = ? GROUP BY currency ORDER BY currency`,
    [`customer:${customerId}`],
  )
  return rows.filter((r) => r.minor !== 0).map((r): Money => ({minor: r.minor, currency: r.currency}))
})

const SITE_BALANCES = bothWays(
  (w) => `SELECT site, currency, SUM(minor) AS minor FROM ledger_balances
       WHERE ${w.startsWith('account', 'customer:')} AND site <> '' GROUP BY site, currency ORDER BY site, currency`,
)

/** Per site and currency: what customers of the site owe in total (sum of their customer accounts). */
export const siteBalances = dual(function* siteBalances(): Ops<Array<{site: string; currency: string; minor: number}>> {
  return yield* all<{site: string; currency: string; minor: number}>(SITE_BALANCES)
})

const POSTING_COLUMNS = 'txn_id, version, account, amount_minor, currency, provider, site, customer, posted_at'
const POSTINGS_BY_TXN = `SELECT ${POSTING_COLUMNS} FROM ledger_postings WHERE txn_seq = ? ORDER BY version, id`
const POSTINGS_BY_DOCUMENT = `SELECT ${POSTING_COLUMNS} FROM ledger_postings WHERE txn_seq IS NULL AND txn_id = ? ORDER BY version, id`

export const postingsFor = dual(function* postingsFor(txnId: string): Ops<StoredPosting[]> {
  const key = yield* postingKeyOf.ops(txnId)
  const rows = yield* all<{
    txn_id: string
    version: number
    account: string
    amount_minor: number
    currency: string
    provider: string | null
    site: string | null
    customer: string | null
    posted_at: string
  }>('seq' in key ? POSTINGS_BY_TXN : POSTINGS_BY_DOCUMENT, ['seq' in key ? key.seq : key.document])
  return rows.map((r): StoredPosting => ({
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
})

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
