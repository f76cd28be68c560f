import {openDatabase} from '../../../src/store/db.js'
import {PG_MIGRATIONS, runPgMigrations} from '../../../src/store/pg/migrations/index.js'
import {pgStore} from '../../../src/store/seam/pg-store.js'
import {sqliteStore} from '../../../src/store/seam/sqlite-store.js'
import type {Queryable, Store} from '../../../src/store/seam/store.js'
import type {TestPostgres} from '../../helpers/postgres.js'
import {tempDb} from '../helpers.js'

/**
 * One fresh ledger behind the seam, for a contract test whose body is the same on both engines. The only SQL that
 * differs is the probe's, which only the streaming test calls.
 */
export interface Ledger {
  store: Store
  /** Another Store on the same ledger: another connection (SQLite) or another pool, as another host (PostgreSQL). */
  another(): Store
  /**
   * How many rows `seam_probe(text)` has been evaluated for, asked between two rows of a loop: a statement
   * computed ahead of its reader shows here. SQLite counts in JS; PostgreSQL in a transaction-local setting (a
   * sequence would be a write, refused in a read).
   */
  evaluated(q: Queryable): Promise<number>
  close(): Promise<void>
}

export interface Engine {
  kind: Store['kind']
  /** Why this engine cannot run here (PostgreSQL outside CI without its binaries). */
  skip: string | undefined
  open(): Promise<Ledger>
}

export function engines(postgres: TestPostgres): Engine[] {
  return [
    {kind: 'sqlite', skip: undefined, open: async () => openSqlite()},
    {kind: 'postgres', skip: postgres.skip, open: () => openPostgres(postgres)},
  ]
}

function openSqlite(): Ledger {
  const {db, file, cleanup} = tempDb()
  let evaluated = 0
  db.raw.function('seam_probe', {deterministic: false}, (_id: unknown) => ++evaluated)
  const stores = [sqliteStore(db)]
  return {
    store: stores[0]!,
    another() {
      const store = sqliteStore(openDatabase(file))
      stores.push(store)
      return store
    },
    evaluated: async () => evaluated,
    async close() {
      for (const store of stores) await store.close()
      cleanup()
    },
  }
}

async function openPostgres(postgres: TestPostgres): Promise<Ledger> {
  const database = await postgres.freshDatabase()
  const client = await database.connect()
  await runPgMigrations(client, PG_MIGRATIONS, database.name)
  await client.query(`
    CREATE FUNCTION seam_probe(text) RETURNS bigint VOLATILE LANGUAGE sql AS $$
      SELECT set_config('seam.probe', (coalesce(nullif(current_setting('seam.probe', true), ''), '0')::bigint + 1)::text, true)::bigint
    $$`)
  const stores = [pgStore(database.connection)]
  return {
    store: stores[0]!,
    another() {
      const store = pgStore(database.connection)
      stores.push(store)
      return store
    },
    async evaluated(q) {
      const row = await q.get<{n: string | null}>("SELECT current_setting('seam.probe', true) AS n")
      return Number(row?.n || 0)
    },
    async close() {
      for (const store of stores) await store.close()
    },
  }
}
