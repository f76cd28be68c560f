import Database from 'better-sqlite3'

/**
 * The comparison scripts' store: a table comparable to yms-pay's transactions row (columns + the raw payload).
 * `wal` (the floor's, and one SDK variant's) applies the ledger's pragmas (WAL, synchronous=FULL), so the difference
 * measured is the code path, not the journal. Without it the file is opened as better-sqlite3 opens it by default
 * (rollback journal, synchronous=FULL): just as durable, and what a script written without tuning gets.
 */
export const COLUMNS = ['id', 'amount', 'currency', 'status', 'customer', 'created', 'fee', 'raw'] as const

export function openChargesDb(file: string, opts: {wal: boolean} = {wal: true}): Database.Database {
  const db = new Database(file)
  if (opts.wal) {
    db.pragma('journal_mode = WAL')
    db.pragma('synchronous = FULL')
  }
  db.exec(`CREATE TABLE IF NOT EXISTS charges (
    id TEXT PRIMARY KEY, amount INTEGER NOT NULL, currency TEXT NOT NULL, status TEXT NOT NULL,
    customer TEXT, created INTEGER NOT NULL, fee INTEGER, raw TEXT NOT NULL)`)
  return db
}

interface StripeChargeLike {
  id: string
  amount: number
  currency: string
  status: string
  customer?: string | {id: string} | null
  created: number
  balance_transaction?: string | {fee?: number} | null
}

export function rowOf(ch: StripeChargeLike): unknown[] {
  const bt = ch.balance_transaction
  const customer = typeof ch.customer === 'string' ? ch.customer : (ch.customer?.id ?? null)
  return [
    ch.id,
    ch.amount,
    ch.currency,
    ch.status,
    customer,
    ch.created,
    typeof bt === 'object' && bt !== null ? (bt.fee ?? null) : null,
    JSON.stringify(ch),
  ]
}
