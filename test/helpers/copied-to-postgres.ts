import {copyStore} from '../../src/services/store-copy/copy.js'
import type {Db} from '../../src/store/db.js'
import {type LedgerHandle, storeHandle} from '../../src/store/ops/ledger-handle.js'
import {PG_MIGRATIONS, runPgMigrations} from '../../src/store/pg/migrations/index.js'
import {isTransactionConflict} from '../../src/store/pg/conflicts.js'
import {pgStore} from '../../src/store/seam/pg-store.js'
import {sqliteStore} from '../../src/store/seam/sqlite-store.js'
import type {Store} from '../../src/store/seam/store.js'
import type {ClusterConnection} from './postgres-cluster.js'
import type {TestPostgres} from './postgres.js'

export interface CopiedLedger {
  /** The copy, for every service call and read from now on. */
  ledger: LedgerHandle
  /** Where the copy is, for a command run on it (YMS_PAY_DATABASE_URL and PGPASSWORD: databaseEnv). */
  connection: ClusterConnection
  /** Ends the handle's pool: before the test ends, as the test database is dropped then. */
  close(): Promise<void>
  /** Writes the server refused for a deadlock or a serialization failure (each then run again: restart.ts). */
  conflicts(): number
}

/**
 * A home set up on its SQLite file (imports, providers), copied into a fresh PostgreSQL database as `store copy --to`
 * does, so the test goes on with its ledger on PostgreSQL. The file stays as it was, the copy's source.
 */
export async function copiedToPostgres(db: Db, postgres: TestPostgres, clock: {now(): number}): Promise<CopiedLedger> {
  const database = await postgres.freshDatabase()
  const migrator = await database.connect()
  // Ended here, not with the test: a setup that fails skips the tests, and so the helper's afterEach, and the
  // server's stop would then end an idle client that has no one listening for its error.
  await runPgMigrations(migrator, PG_MIGRATIONS, database.name).finally(() => migrator.end())
  const target = pgStore(database.connection)
  await copyStore(sqliteStore(db), target)
  let conflicts = 0
  const counted: Store = {
    ...target,
    write: (fn) =>
      target.write(fn).catch((error: unknown) => {
        if (isTransactionConflict(error)) conflicts++
        throw error
      }),
  }
  return {
    ledger: storeHandle(counted, () => clock.now()),
    connection: database.connection,
    close: () => target.close(),
    conflicts: () => conflicts,
  }
}

/** The environment that points a command at the copy, as a user's cron job would (the password out of the URL). */
export function databaseEnv(c: ClusterConnection): Record<string, string> {
  return {YMS_PAY_DATABASE_URL: `postgres://${c.user}@${c.host}:${c.port}/${c.database}`, PGPASSWORD: c.password}
}
