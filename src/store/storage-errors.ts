import {dirname} from 'node:path'

import {ConfigError, YmsError} from '../core/errors.js'

/** What an admin does about a damaged ledger; shared by every message that reports one. */
const DAMAGED_HINT =
  'Run `yms-pay doctor` to see what is damaged, then restore the newest backup (made by `yms-pay backup`): stop ' +
  'yms-pay, move ledger.db and its -wal/-shm files aside, and copy the backup to ledger.db.'

/**
 * SQLite's errors about the database file itself (damaged, unwritable, unopenable, disk full), as typed errors
 * naming the file and what to do. Anything else (a constraint, a bug) is left as it is: undefined.
 */
export function storageError(error: unknown, file: string): YmsError | undefined {
  if (error instanceof YmsError) return undefined
  const code = (error as {code?: unknown})?.code
  if (typeof code !== 'string' || !code.startsWith('SQLITE_')) return undefined
  const sqlite = (error as Error).message
  // Extended codes (SQLITE_CORRUPT_INDEX, SQLITE_READONLY_DIRECTORY, ...) share their primary code's meaning.
  const primary = code.split('_').slice(0, 2).join('_')
  if (primary === 'SQLITE_NOTADB') {
    return new ConfigError(
      `${file} is not a SQLite database (SQLite: ${sqlite}).`,
      `Point --home (or YMS_PAY_HOME) at a yms-pay data directory. If it is the ledger, its header is damaged: ${DAMAGED_HINT}`,
      'not_a_database',
    )
  }
  if (primary === 'SQLITE_CORRUPT') return damaged(file, sqlite)
  if (code === 'SQLITE_READONLY_DBMOVED') return moved(file)
  if (primary === 'SQLITE_READONLY' || primary === 'SQLITE_PERM') return notWritable(file, sqlite)
  if (primary === 'SQLITE_CANTOPEN') {
    return new ConfigError(
      `cannot open ${file} or its -wal/-shm files (SQLite: ${sqlite}).`,
      `Check that ${dirname(file)} and the files in it exist and belong to the user running yms-pay.`,
      'database_unopenable',
    )
  }
  if (primary === 'SQLITE_FULL') {
    return new ConfigError(
      `the disk holding ${file} is full (SQLite: ${sqlite}); the transaction was rolled back.`,
      'Free some space and run the command again.',
      'disk_full',
    )
  }
  if (primary === 'SQLITE_IOERR') {
    return new ConfigError(
      `reading or writing ${file} failed at the operating-system level (SQLite: ${sqlite}).`,
      `Check the disk and the file system (dmesg), then run \`yms-pay doctor\`. ${DAMAGED_HINT}`,
      'database_io_error',
    )
  }
  return undefined
}

export function damaged(file: string, detail: string): ConfigError {
  return new ConfigError(`the ledger database ${file} is damaged (${detail}).`, DAMAGED_HINT, 'database_corrupt')
}

export function notWritable(path: string, detail?: string): ConfigError {
  return new ConfigError(
    `${path} is not writable${detail ? ` (SQLite: ${detail})` : ''}: this command writes to the ledger.`,
    'Run it as the user that owns the home, or make the directory and its ledger files writable for this user; ' +
      'read-only commands (status, lists, show, audit, backup, doctor) work on a read-only home.',
    'home_not_writable',
  )
}

export function moved(file: string): ConfigError {
  return new ConfigError(
    `${file} was deleted, moved or replaced while this yms-pay had it open; nothing more was written.`,
    'Stop every yms-pay process before moving or restoring the ledger. What they committed since is in ledger.db-wal: ' +
      'run `yms-pay doctor`, and keep that file with the ledger it belongs to.',
    'database_moved',
  )
}
