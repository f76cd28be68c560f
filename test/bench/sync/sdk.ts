import Stripe from 'stripe'

import {COLUMNS, openChargesDb, rowOf} from './charges-table.js'
import {envOrThrow, finish} from './result.js'

/**
 * What an admin would otherwise write: the official SDK's auto-pagination (100 per page: generous, the SDK's default
 * is 10) and one INSERT per charge, each its own (autocommit) transaction, into the same table. As written, the file
 * is opened with better-sqlite3's defaults; with BENCH_SDK_WAL=1 it gets the WAL pragma better-sqlite3's README
 * recommends (and the ledger's synchronous=FULL), which makes each autocommit one fsync instead of several.
 */
const base = new URL(envOrThrow('BENCH_BASE_URL'))
const stripe = new Stripe(envOrThrow('BENCH_API_KEY'), {
  host: base.hostname,
  port: Number(base.port),
  protocol: 'http',
  maxNetworkRetries: 0,
  telemetry: false,
})
const db = openChargesDb(envOrThrow('BENCH_DB'), {wal: process.env.BENCH_SDK_WAL === '1'})
const insert = db.prepare(
  `INSERT OR REPLACE INTO charges (${COLUMNS.join(',')}) VALUES (${COLUMNS.map(() => '?').join(',')})`,
)

const t0 = performance.now()
let items = 0
for await (const ch of stripe.charges.list({limit: 100, expand: ['data.balance_transaction']})) {
  insert.run(...rowOf(ch as Parameters<typeof rowOf>[0]))
  items++
}
const ms = performance.now() - t0
db.close()
finish({items, charges: items, chargesMs: ms, ms, pages: Math.ceil(items / 100)})
