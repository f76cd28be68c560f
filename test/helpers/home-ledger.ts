import {readdirSync, readFileSync} from 'node:fs'
import {join} from 'node:path'

import {openDatabase} from '../../src/store/db.js'
import {type LedgerHandle, sqliteHandle, storeHandle} from '../../src/store/ops/ledger-handle.js'
import type {Ops, Sql} from '../../src/store/ops/op.js'
import {all, run, values} from '../../src/store/ops/op.js'
import {preparePgLedger} from '../../src/store/pg/prepare.js'
import {pgStore} from '../../src/store/seam/pg-store.js'
import {PG_MODE, storeEnv} from './pg-mode.js'

/**
 * The ledger a command run with this home uses, for what a test sets up or reads behind the commands' back: the
 * home's SQLite file, or in the suite's PostgreSQL run (pg-mode.ts) the home's database. A test that opened the
 * file directly would, on PostgreSQL, set up a ledger no command reads.
 */
export interface HomeLedger {
  readonly handle: LedgerHandle
  close(): Promise<void>
}

/** Opens it, making (and migrating) the ledger if the home has none yet, as a setup command would. */
export async function openHomeLedger(home: string, now: () => number = Date.now): Promise<HomeLedger> {
  if (!PG_MODE) {
    const db = openDatabase(join(home, 'ledger.db'), {clock: now})
    return {handle: sqliteHandle(db), close: () => Promise.resolve(db.close())}
  }
  const {YMS_PAY_DATABASE_URL: url, PGPASSWORD: password} = await storeEnv(home)
  // Given to the pool field by field: pg lets a connectionString's empty password override the one passed beside
  // it, and this worker's environment, where pg would look next, is what the in-process runs swap.
  const {hostname: host, port, username: user, pathname} = new URL(url!)
  const config = {host, port: Number(port), user, database: pathname.slice(1), password}
  await preparePgLedger(config, url!, 'the ledger')
  const store = pgStore(config)
  return {handle: storeHandle(store, now), close: () => store.close()}
}

/** fn with the home's ledger, closed after. */
export async function onHomeLedger<T>(home: string, fn: (ledger: LedgerHandle) => Promise<T>): Promise<T> {
  const ledger = await openHomeLedger(home)
  try {
    return await fn(ledger.handle)
  } finally {
    await ledger.close()
  }
}

/** body in one write transaction on the home's ledger. */
export function homeWrite<T>(home: string, body: Ops<T>): Promise<T> {
  return onHomeLedger(home, (ledger) => ledger.write(body))
}

/** The rows of one query on the home's ledger. */
export function homeQuery<T>(home: string, sql: Sql, params: readonly unknown[] = []): Promise<T[]> {
  return onHomeLedger(home, (ledger) => ledger.read(all<T>(sql, params)))
}

/** One statement on the home's ledger, in a write of its own. */
export function homeRun(home: string, sql: Sql, params: readonly unknown[] = []): Promise<{changes: number}> {
  return homeWrite(home, run(sql, params))
}

/**
 * Everything the home stores, as text to search for what must never be stored (a secret): each file of the home
 * (latin1, so any bytes read as text), and in the PostgreSQL run every row of every table of the home's database.
 */
export async function storedText(home: string): Promise<Array<[where: string, text: string]>> {
  const texts = readdirSync(home, {withFileTypes: true})
    .filter((entry) => entry.isFile())
    .map((entry): [string, string] => [entry.name, readFileSync(join(home, entry.name)).toString('latin1')])
  if (!PG_MODE) return texts
  return onHomeLedger(home, (ledger) =>
    ledger.read(
      (function* () {
        const tables = yield* values<string>(
          `SELECT table_name FROM information_schema.tables WHERE table_schema = current_schema() ORDER BY 1`,
        )
        for (const table of tables) {
          const rows = yield* values<string>(`SELECT t::text FROM "${table}" t`)
          texts.push([`table ${table}`, rows.join('\n')])
        }
        return texts
      })(),
    ),
  )
}
