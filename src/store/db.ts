import {mkdirSync} from 'node:fs'
import {dirname} from 'node:path'

import Database from 'better-sqlite3'

import {ConfigError} from '../core/errors.js'
import {LATEST_VERSION, MIGRATIONS, runMigrations} from './migrations/index.js'

export type Statement = Database.Statement<unknown[], unknown>

/**
 * One open ledger database. Repositories take a Db and run synchronously inside; services stay async at their
 * boundary so another store could sit behind the same seam.
 */
export interface Db {
  readonly file: string
  readonly readonly: boolean
  /** The better-sqlite3 handle, for repositories and tests. Writes must still go through `write`. */
  readonly raw: Database.Database
  /**
   * Runs fn in an IMMEDIATE transaction: the write lock is taken up front, so a concurrent writer waits for the
   * busy timeout instead of failing with SQLITE_BUSY when a deferred read tries to upgrade. Nested calls run as
   * savepoints inside the outer transaction.
   */
  write<T>(fn: () => T): T
  /** Runs fn in a deferred (read) transaction, so several queries see one snapshot. */
  read<T>(fn: () => T): T
  /** A prepared statement, compiled once per Db and reused. */
  stmt(sql: string): Statement
  /** The current time as ISO-8601 UTC (injectable for tests). */
  now(): string
  close(): void
}

export interface OpenOptions {
  readonly?: boolean
  /** Epoch-ms clock used for created_at/updated_at and audit times. */
  clock?: () => number
  /** Busy timeout in ms; at least 15 s by default so overlapping cron runs wait rather than fail. */
  busyTimeoutMs?: number
}

const DEFAULT_BUSY_TIMEOUT_MS = 15_000

/**
 * Opens (creating when needed) the database file, applies the pragmas every connection needs and, for a
 * writer, the pending migrations. A file written by a newer yms-pay is refused rather than misread.
 * A read-only open of a missing or older file first creates/migrates it through a short-lived writer, so
 * report commands work on a fresh home.
 */
export function openDatabase(file: string, opts: OpenOptions = {}): Db {
  const busyTimeoutMs = Math.max(opts.busyTimeoutMs ?? DEFAULT_BUSY_TIMEOUT_MS, 0)
  const clock = opts.clock ?? Date.now
  if (file !== ':memory:') mkdirSync(dirname(file), {recursive: true})

  if (opts.readonly) {
    const probe = openRaw(file, {readonly: false, busyTimeoutMs})
    try {
      migrateOrRefuse(probe, file)
    } finally {
      probe.close()
    }
    const raw = openRaw(file, {readonly: true, busyTimeoutMs})
    try {
      refuseNewer(raw, file)
    } catch (error) {
      raw.close()
      throw error
    }
    return wrap(raw, file, true, clock)
  }

  const raw = openRaw(file, {readonly: false, busyTimeoutMs})
  try {
    migrateOrRefuse(raw, file)
  } catch (error) {
    raw.close()
    throw error
  }
  return wrap(raw, file, false, clock)
}

function openRaw(file: string, opts: {readonly: boolean; busyTimeoutMs: number}): Database.Database {
  const raw = new Database(file, {readonly: opts.readonly, fileMustExist: opts.readonly, timeout: opts.busyTimeoutMs})
  try {
    // busy_timeout first: the journal_mode switch itself may have to wait for another process.
    raw.pragma(`busy_timeout = ${opts.busyTimeoutMs}`)
    if (!opts.readonly) {
      raw.pragma('journal_mode = WAL')
      raw.pragma('synchronous = FULL') // a ledger: a commit that returned must survive power loss
      // Checkpoint every ~16 MB of WAL instead of every 4 MB: a sync page touches many pages, and copying them back
      // after every few commits was a third of a page's cost (measured). Not more: the checkpoint runs on the
      // committing thread (the sync's page writer, which has time to spare), and whatever is still in the WAL is
      // copied by the last close, at the end of the run, with nothing to overlap it (test/bench/sync.ts: 64 MB was
      // no faster).
      raw.pragma('wal_autocheckpoint = 4096')
      // 8 MB of page cache (default 2 MB) holds the indexes' upper levels and hot leaves. More did not make the sync
      // faster (32 MB measured the same in test/bench/writer.ts) but did add to every connection's peak memory.
      raw.pragma('cache_size = -8192')
    }
    raw.pragma('foreign_keys = ON')
    return raw
  } catch (error) {
    raw.close()
    if (error instanceof Database.SqliteError && error.code === 'SQLITE_NOTADB') {
      throw new ConfigError(
        `${file} is not a SQLite database.`,
        'Point --home (or YMS_PAY_HOME) at a yms-pay data directory, or move the file away.',
        'not_a_database',
      )
    }
    throw error
  }
}

function migrateOrRefuse(raw: Database.Database, file: string): void {
  refuseNewer(raw, file)
  runMigrations(raw, MIGRATIONS)
}

function refuseNewer(raw: Database.Database, file: string): void {
  const version = userVersion(raw)
  if (version > LATEST_VERSION) {
    throw new ConfigError(
      `The database ${file} has schema version ${version}, but this yms-pay supports schema versions up to ${LATEST_VERSION}.`,
      'It was written by a newer yms-pay: upgrade yms-pay (npm install -g yms-pay@latest), or point --home at another data directory.',
      'schema_too_new',
    )
  }
}

export function userVersion(raw: Database.Database): number {
  return raw.pragma('user_version', {simple: true}) as number
}

function wrap(raw: Database.Database, file: string, readonly: boolean, clock: () => number): Db {
  const cache = new Map<string, Statement>()
  return {
    file,
    readonly,
    raw,
    write<T>(fn: () => T): T {
      if (readonly) throw new Error(`write attempted on a read-only database handle (${file})`)
      // Nested: better-sqlite3 turns an inner transaction into a SAVEPOINT, keeping the outer immediate lock.
      if (raw.inTransaction) return raw.transaction(fn)()
      return raw.transaction(fn).immediate()
    },
    read<T>(fn: () => T): T {
      return raw.transaction(fn).deferred()
    },
    stmt(sql: string): Statement {
      let statement = cache.get(sql)
      if (statement === undefined) {
        statement = raw.prepare(sql)
        cache.set(sql, statement)
      }
      return statement
    },
    now(): string {
      return new Date(clock()).toISOString()
    },
    close(): void {
      cache.clear()
      if (raw.open) raw.close()
    },
  }
}
