import type Database from 'better-sqlite3'

import {COLUMNS, openChargesDb, rowOf} from './charges-table.js'
import {chargePages} from './charge-pages.js'
import {envOrThrow, finish} from './result.js'

/**
 * The floor: the least work that mirrors the same pages. undici `request` for GET /v1/charges (same page size,
 * expansion and auth as yms-pay's backfill), JSON.parse, one multi-row INSERT per page in one immediate
 * transaction. No validation, no ledger, no audit: what the network and the disk allow.
 */
const base = envOrThrow('BENCH_BASE_URL')
const key = envOrThrow('BENCH_API_KEY')
const db = openChargesDb(envOrThrow('BENCH_DB'))

const statements = new Map<number, Database.Statement>()
function insertFor(rows: number): Database.Statement {
  let s = statements.get(rows)
  if (!s) {
    const one = `(${COLUMNS.map(() => '?').join(',')})`
    s = db.prepare(
      `INSERT OR REPLACE INTO charges (${COLUMNS.join(',')}) VALUES ${Array.from({length: rows}, () => one).join(',')}`,
    )
    statements.set(rows, s)
  }
  return s
}

const t0 = performance.now()
let items = 0
let pages = 0
for await (const data of chargePages<Parameters<typeof rowOf>[0]>(base, key)) {
  if (data.length > 0) db.transaction(() => insertFor(data.length).run(...data.flatMap(rowOf))).immediate()
  items += data.length
  pages++
}
const ms = performance.now() - t0
db.close()
finish({items, charges: items, chargesMs: ms, ms, pages})
