import type {ClientBase} from 'pg'

import {ConfigError} from '../../../core/errors.js'
import {assertSequence} from '../../migrations/run.js'
import {schemaTooNew} from '../../schema-too-new.js'
import type {PgMigration} from './migration.js'

// Every yms-pay takes this one advisory lock around a schema step, so processes migrating the same database queue
// behind each other. Any fixed key no other application uses will do: "yms-pay" in ASCII (0x796d732d706179), as
// text because it is beyond a JS number's exact range.
const MIGRATION_LOCK = '34178813632995705'

// `IS JSON` (the CHECKs standing in for SQLite's json_valid) arrived in PostgreSQL 16.
const MINIMUM_SERVER_VERSION = 160000

/**
 * Applies every migration newer than the database's version (yms_schema), each in its own transaction that holds
 * the migration lock and also records the new version, so a failure leaves the database at a whole version. The
 * version is re-read under the lock: two processes migrating a fresh database at once both succeed, and each step
 * runs once. A database newer than the code, or a server older than the schema needs, is refused before any step.
 * `database` names it in messages (never with its password). Returns the versions applied by this call.
 */
export async function runPgMigrations(
  client: ClientBase,
  migrations: readonly PgMigration[],
  database: string,
): Promise<number[]> {
  assertSequence(migrations)
  const latest = migrations.at(-1)?.version ?? 0
  await refuseOldServer(client, database)
  // Most runs find the database up to date: they read the version and take no lock.
  const found = await readVersion(client)
  refuseNewer(database, found, latest)
  if (found === latest) return []
  const applied: number[] = []
  for (const migration of migrations) {
    const ran = await inMigrationLock(client, async () => {
      await client.query(
        'CREATE TABLE IF NOT EXISTS yms_schema (id integer PRIMARY KEY CHECK (id = 1), version integer NOT NULL)',
      )
      const version = await readVersion(client)
      refuseNewer(database, version, latest)
      if (version >= migration.version) return false
      await migration.up(client)
      await client.query(
        'INSERT INTO yms_schema (id, version) VALUES (1, $1) ON CONFLICT (id) DO UPDATE SET version = excluded.version',
        [migration.version],
      )
      return true
    })
    if (ran) applied.push(migration.version)
  }
  return applied
}

/** The schema version, 0 for a database yms-pay has never migrated. */
async function readVersion(client: ClientBase): Promise<number> {
  const {rows} = await client.query<{present: boolean}>("SELECT to_regclass('yms_schema') IS NOT NULL AS present")
  if (!rows[0]?.present) return 0
  const stored = await client.query<{version: number}>('SELECT version FROM yms_schema WHERE id = 1')
  return stored.rows[0]?.version ?? 0
}

/**
 * READ COMMITTED whatever the session's default, so the version read after the lock sees what the process that
 * held it before committed.
 */
async function inMigrationLock<T>(client: ClientBase, fn: () => Promise<T>): Promise<T> {
  await client.query('BEGIN ISOLATION LEVEL READ COMMITTED')
  try {
    await client.query(`SELECT pg_advisory_xact_lock(${MIGRATION_LOCK})`)
    const result = await fn()
    await client.query('COMMIT')
    return result
  } catch (error) {
    await client.query('ROLLBACK').catch(() => undefined)
    throw error
  }
}

function refuseNewer(database: string, version: number, latest: number): void {
  if (version > latest) throw schemaTooNew(database, version, latest, 'point yms-pay at another database')
}

async function refuseOldServer(client: ClientBase, database: string): Promise<void> {
  const {rows} = await client.query<{server_version_num: string}>('SHOW server_version_num')
  const found = Number(rows[0]?.server_version_num)
  if (found >= MINIMUM_SERVER_VERSION) return
  throw new ConfigError(
    `The PostgreSQL server of ${database} is version ${Math.floor(found / 10000)}; yms-pay needs PostgreSQL 16 or later.`,
    'Upgrade the server, or use one that runs PostgreSQL 16 or later.',
    'postgres_too_old',
  )
}
