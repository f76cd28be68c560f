import {Agent, request} from 'undici'

import type Database from 'better-sqlite3'

import {COLUMNS, openChargesDb, rowOf} from './charges-table.js'
import {envOrThrow, finish} from './result.js'

/**
 * The floor: the least work that mirrors the same pages. undici `request` for GET /v1/charges (same page size,
 * expansion and auth as yms-pay's backfill), JSON.parse, one multi-row INSERT per page in one immediate
 * transaction. No validation, no ledger, no audit: what the network and the disk allow.
 */
const base = envOrThrow('BENCH_BASE_URL')
const key = envOrThrow('BENCH_API_KEY')
const db = openChargesDb(envOrThrow('BENCH_DB'))
const agent = new Agent({keepAliveTimeout: 30_000})

const statements = new Map<number, Database.Statement>()
function insertFor(rows: number): Database.Statement {
  let s = statements.get(rows)
  if (!s) {
    const one = `(${COLUMNS.map(() => '?').join(',')})`
    s = db.prepare(`INSERT OR REPLACE INTO charges (${COLUMNS.join(',')}) VALUES ${Array.from({length: rows}, () => one).join(',')}`)
    statements.set(rows, s)
  }
  return s
}

const t0 = performance.now()
let after: string | null = null
let items = 0
let pages = 0
for (;;) {
  const q = new URLSearchParams({limit: '100'})
  q.append('expand[]', 'data.balance_transaction')
  if (after) q.set('starting_after', after)
  const res = await request(`${base}/v1/charges?${q}`, {headers: {authorization: `Bearer ${key}`}, dispatcher: agent})
  const text = await res.body.text()
  if (res.statusCode !== 200) throw new Error(`GET /v1/charges: ${res.statusCode} ${text.slice(0, 200)}`)
  const page = JSON.parse(text) as {data: Parameters<typeof rowOf>[0][]; has_more: boolean}
  if (page.data.length > 0) {
    const params = page.data.flatMap(rowOf)
    db.transaction(() => insertFor(page.data.length).run(...params)).immediate()
  }
  items += page.data.length
  pages++
  const last = page.data[page.data.length - 1]
  if (!page.has_more || !last) break
  after = last.id
}
const ms = performance.now() - t0
db.close()
await agent.close()
finish({items, charges: items, chargesMs: ms, ms, pages})
