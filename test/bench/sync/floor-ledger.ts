import type Database from 'better-sqlite3'

import {chargePages} from './charge-pages.js'
import {envOrThrow, finish} from './result.js'

// The compiled product (dist/), resolved at run time: typed from the sources it was built from.
const dist = (path: string) => new URL(`../../../dist/${path}`, import.meta.url).href

/**
 * The floor again, but into "the same kind of table" as yms-pay's: the real `transactions` table, created by
 * yms-pay's own migrations (so its keys and indexes), one multi-row INSERT per page in one immediate transaction.
 * Still no validation, no customer resolution, no ledger postings, no history, no audit: it prices the table, so
 * the ratio against it prices the ledger work alone.
 */
const {openDatabase} = (await import(dist('store/db.js'))) as typeof import('../../../src/store/db.js')
const base = envOrThrow('BENCH_BASE_URL')
const key = envOrThrow('BENCH_API_KEY')
const db = openDatabase(envOrThrow('BENCH_DB'))

const COLUMNS = [
  'id',
  'provider',
  'kind',
  'external_id',
  'type',
  'status',
  'amount_minor',
  'currency',
  'customer_ref',
  'occurred_at',
  'updated_at',
  'version',
  'metadata_json',
  'raw_json',
  'first_seen_at',
  'last_seen_at',
]
const statements = new Map<number, Database.Statement>()
function insertFor(rows: number): Database.Statement {
  let s = statements.get(rows)
  if (!s) {
    const one = `(${COLUMNS.map(() => '?').join(',')})`
    s = db.raw.prepare(
      `INSERT OR REPLACE INTO transactions (${COLUMNS.join(',')}) VALUES ${Array.from({length: rows}, () => one).join(',')}`,
    )
    statements.set(rows, s)
  }
  return s
}

interface Charge {
  id: string
  amount: number
  currency: string
  status: string
  customer?: string | null
  created: number
  metadata?: Record<string, string>
}

const t0 = performance.now()
let items = 0
let pages = 0
for await (const data of chargePages<Charge>(base, key)) {
  if (data.length > 0) {
    const now = new Date().toISOString()
    const params = data.flatMap((ch) => {
      const at = new Date(ch.created * 1000).toISOString()
      return [
        `bench:${ch.id}`,
        'bench',
        'stripe',
        ch.id,
        'payment',
        ch.status,
        ch.amount,
        ch.currency.toUpperCase(),
        ch.customer ?? null,
        at,
        at,
        1,
        JSON.stringify(ch.metadata ?? {}),
        JSON.stringify(ch),
        now,
        now,
      ]
    })
    db.raw.transaction(() => insertFor(data.length).run(...params)).immediate()
  }
  items += data.length
  pages++
}
const ms = performance.now() - t0
db.close()
finish({items, charges: items, chargesMs: ms, ms, pages})
