import {randomBytes} from 'node:crypto'
import {linkSync, rmSync, statSync} from 'node:fs'
import {dirname} from 'node:path'

import Database from 'better-sqlite3'

import {ConfigError} from '../core/errors.js'
import {LATEST_VERSION, MIGRATIONS, runMigrations} from './migrations/index.js'
import {createPrivateFile, ensurePrivateDir} from './private-files.js'
import {readerTarget} from './reader-target.js'
import {refuseOrphans, SIDE_SUFFIXES, sizeOf} from './side-files.js'
import {schemaTooNew} from './schema-too-new.js'
import {moved, storageError} from './storage-errors.js'

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
  /**
   * Throws what `write` would before it begins a transaction: on a read-only handle, or once the file was deleted or
   * replaced (refuseMoved). For a caller that begins its own transactions (the async store seam).
   */
  checkWritable(): void
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
  /**
   * Read-only, as found: no migration and no refusal of a newer schema, for `doctor`, which reports on the file
   * (its version, its integrity) without changing it.
   */
  inspect?: boolean
  /** Epoch-ms clock used for created_at/updated_at and audit times. */
  clock?: () => number
  /** Busy timeout in ms; at least 15 s by default so overlapping cron runs wait rather than fail. */
  busyTimeoutMs?: number
}

const DEFAULT_BUSY_TIMEOUT_MS = 15_000

// URI filenames, for the `immutable` open of a read-only home (reader-target.ts). better-sqlite3 reads this once,
// when its addon loads on the first `new Database`; it is process-wide, and only names beginning with "file:" are
// URIs (a home's ledger path is absolute: resolveHome makes it so).
process.env.SQLITE_USE_URI = '1'

/**
 * Opens the database file, applies the pragmas every connection needs and, for a writer, the pending migrations.
 * A writer creates a missing file (whole and owner-only: createLedger); a reader needs it to exist. Either refuses a
 * file written by a newer yms-pay rather than misread it, and side files left without their database (see
 * side-files.ts) rather than start a new ledger beside them. A reader of an older file migrates it first through a
 * short-lived writer when the home is writable. SQLite's errors about the file itself become typed errors naming it.
 */
export function openDatabase(file: string, opts: OpenOptions = {}): Db {
  const busyTimeoutMs = Math.max(opts.busyTimeoutMs ?? DEFAULT_BUSY_TIMEOUT_MS, 0)
  const clock = opts.clock ?? Date.now
  if (file !== ':memory:') refuseOrphans(file)
  try {
    const readonly = Boolean(opts.readonly || opts.inspect)
    const raw = readonly ? openReader(file, busyTimeoutMs, Boolean(opts.inspect)) : openWriter(file, busyTimeoutMs)
    return wrap(raw, file, readonly, clock)
  } catch (error) {
    throw storageError(error, file) ?? error
  }
}

function openWriter(file: string, busyTimeoutMs: number): Database.Database {
  if (file !== ':memory:' && sizeOf(file) === undefined) createLedger(file, busyTimeoutMs)
  const raw = openRaw(file, {readonly: false, busyTimeoutMs})
  try {
    migrateOrRefuse(raw, file)
  } catch (error) {
    raw.close()
    throw error
  }
  return raw
}

/**
 * A new ledger appears whole: built and migrated under a temporary name (owner-only from the start), closed (which
 * folds its WAL in), then hard-linked into place, which fails if another process got there first (its ledger is
 * then used). So no process ever sees an empty ledger.db beside a live -wal, which side-files.ts rightly takes
 * for the remains of a lost one.
 */
function createLedger(file: string, busyTimeoutMs: number): void {
  ensurePrivateDir(dirname(file))
  const temp = `${file}.new-${randomBytes(4).toString('hex')}`
  createPrivateFile(temp)
  try {
    const raw = openRaw(temp, {readonly: false, busyTimeoutMs})
    try {
      migrateOrRefuse(raw, file)
    } finally {
      raw.close()
    }
    try {
      linkSync(temp, file)
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error
    }
  } finally {
    for (const suffix of ['', ...SIDE_SUFFIXES]) rmSync(temp + suffix, {force: true})
  }
}

function openReader(file: string, busyTimeoutMs: number, asFound: boolean): Database.Database {
  if (sizeOf(file) === undefined) {
    throw new ConfigError(`there is no ledger database at ${file}`, undefined, 'home_missing')
  }
  const target = readerTarget(file)
  let raw = openRaw(target.path, {readonly: true, busyTimeoutMs})
  if (asFound) return raw
  try {
    refuseNewer(raw, file)
    const version = userVersion(raw)
    if (version < LATEST_VERSION) {
      raw.close()
      if (!target.canMigrate) throw needsUpgrade(file, version)
      const probe = openRaw(file, {readonly: false, busyTimeoutMs})
      try {
        migrateOrRefuse(probe, file)
      } finally {
        probe.close()
      }
      raw = openRaw(target.path, {readonly: true, busyTimeoutMs})
      refuseNewer(raw, file)
    }
    return raw
  } catch (error) {
    if (raw.open) raw.close()
    throw error
  }
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
    throw schemaTooNew(file, version, LATEST_VERSION, 'point --home (or YMS_PAY_HOME) at another data directory')
  }
}

function needsUpgrade(file: string, version: number): ConfigError {
  return new ConfigError(
    `${file} has schema version ${version}, which must be upgraded to ${LATEST_VERSION} before this yms-pay can read it, and ${dirname(file)} is not writable.`,
    'Run any yms-pay command once as a user who can write the home (it upgrades the schema), then read it again.',
    'schema_needs_upgrade',
  )
}

/** Device and inode of the file, to tell it apart from one put in its place. */
function identity(file: string): string | undefined {
  if (file === ':memory:') return undefined
  const stat = statSync(file, {throwIfNoEntry: false})
  return stat ? `${stat.dev}:${stat.ino}` : undefined
}

/**
 * In WAL mode SQLite goes on committing after the database file was deleted or replaced: into a -wal that then
 * belongs to no file (deleted), or to another one (a backup restored over it, which the WAL would damage). One stat
 * per write transaction stops that at the first write.
 */
function refuseMoved(file: string, opened: string | undefined): void {
  if (opened === undefined || identity(file) === opened) return
  throw moved(file)
}

export function userVersion(raw: Database.Database): number {
  return raw.pragma('user_version', {simple: true}) as number
}

function wrap(raw: Database.Database, file: string, readonly: boolean, clock: () => number): Db {
  const cache = new Map<string, Statement>()
  const opened = identity(file)
  const mapped = <T>(fn: () => T): T => {
    try {
      return fn()
    } catch (error) {
      throw storageError(error, file) ?? error
    }
  }
  const checkWritable = (): void => {
    if (readonly) throw new Error(`write attempted on a read-only database handle (${file})`)
    refuseMoved(file, opened)
  }
  return {
    file,
    readonly,
    raw,
    write<T>(fn: () => T): T {
      // Nested: better-sqlite3 turns an inner transaction into a SAVEPOINT, keeping the outer immediate lock.
      if (raw.inTransaction && !readonly) return mapped(() => raw.transaction(fn)())
      checkWritable()
      return mapped(() => raw.transaction(fn).immediate())
    },
    checkWritable,
    read<T>(fn: () => T): T {
      try {
        return raw.transaction(fn).deferred()
      } catch (error) {
        throw storageError(error, file) ?? error
      }
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
