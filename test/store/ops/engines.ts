import {type Db, openDatabase} from '../../../src/store/db.js'
import {type LedgerHandle, sqliteHandle, storeHandle} from '../../../src/store/ops/ledger-handle.js'
import {PG_MIGRATIONS, runPgMigrations} from '../../../src/store/pg/migrations/index.js'
import {pgStore} from '../../../src/store/seam/pg-store.js'
import type {TestPostgres} from '../../helpers/postgres.js'
import {steppingClock, tempDb} from '../helpers.js'

/**
 * A fresh ledger on each engine behind a LedgerHandle, for tests whose body is the same on both: repository
 * functions run through `handle.write(fn.ops(…))`. SQLite's handle runs them synchronously on a Db (what every
 * command does today); PostgreSQL's through the seam.
 */
export interface HandleUnderTest {
  handle: LedgerHandle
  /** The SQLite Db behind the handle (undefined on PostgreSQL), for what a test must set up outside the ledger. */
  db: Db | undefined
  /**
   * Another handle on the same ledger: another connection to the file (SQLite), another pool as another host
   * (PostgreSQL). Closed with the first.
   */
  another(): LedgerHandle
  close(): Promise<void>
}

export interface HandleEngine {
  engine: LedgerHandle['engine']
  /** Why this engine cannot run here (PostgreSQL outside CI without its binaries). */
  skip: string | undefined
  /** clock: what `now()` answers (epoch ms); a clock stepping one second a call by default, on both. */
  open(clock?: () => number): Promise<HandleUnderTest>
}

export function handleEngines(postgres: TestPostgres): HandleEngine[] {
  return [
    {
      engine: 'sqlite',
      skip: undefined,
      async open(clock = steppingClock()) {
        const {db, file, cleanup} = tempDb({clock})
        const others: Db[] = []
        return {
          handle: sqliteHandle(db),
          db,
          another() {
            const other = openDatabase(file, {clock})
            others.push(other)
            return sqliteHandle(other)
          },
          async close() {
            for (const other of others) other.close()
            cleanup()
          },
        }
      },
    },
    {
      engine: 'postgres',
      skip: postgres.skip,
      async open(clock = steppingClock()) {
        const database = await postgres.freshDatabase()
        const client = await database.connect()
        await runPgMigrations(client, PG_MIGRATIONS, database.name)
        const stores = [pgStore(database.connection)]
        return {
          handle: storeHandle(stores[0]!, clock),
          db: undefined,
          another() {
            const store = pgStore(database.connection)
            stores.push(store)
            return storeHandle(store, clock)
          },
          async close() {
            for (const store of stores) await store.close()
          },
        }
      },
    },
  ]
}
