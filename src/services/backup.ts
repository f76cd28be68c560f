import {statSync} from 'node:fs'
import {dirname, resolve} from 'node:path'

import {ConfigError, UsageError} from '../core/errors.js'
import {copyDatabase} from '../store/backup.js'
import type {Db} from '../store/db.js'
import type {LedgerHandle} from '../store/ops/ledger-handle.js'
import {isWritable} from '../store/reader-target.js'
import {SIDE_SUFFIXES} from '../store/side-files.js'

export interface BackupResult {
  file: string
  bytes: number
  pages: number
  durationMs: number
}

/**
 * `yms-pay backup <file>`: an online, consistent copy of the ledger (see store/backup.ts), owner-only (0600). An
 * existing file is replaced only with `force`, and then only once the new copy is complete and checked. It copies
 * SQLite's file: a ledger in PostgreSQL is refused, naming the server's own tool.
 */
export async function backupLedger(
  ledger: LedgerHandle,
  target: string,
  opts: {force?: boolean} = {},
): Promise<BackupResult> {
  const db = ledger.db
  if (db === undefined) throw noFileToBackUp()
  const file = resolve(target)
  refuseTarget(db, file, opts.force === true)
  const started = performance.now()
  const copy = await copyDatabase(db, file)
  return {...copy, durationMs: Math.round(performance.now() - started)}
}

/** A PostgreSQL ledger has no file to copy: its server's dump is the backup, consistent while yms-pay runs. */
export function noFileToBackUp(): ConfigError {
  return new ConfigError(
    'backup copies the SQLite ledger file; this ledger is in PostgreSQL',
    'Back it up with pg_dump, e.g. `pg_dump --format=custom --file=ledger-$(date +%F).dump <database url>` (a consistent snapshot while yms-pay runs; restore with pg_restore into an empty database).',
    'backup_not_sqlite',
  )
}

function refuseTarget(db: Db, file: string, force: boolean): void {
  if (file === resolve(db.file) || SIDE_SUFFIXES.some((suffix) => file === resolve(db.file) + suffix)) {
    throw new UsageError(
      `backup ${file}: that is the ledger itself`,
      'Name a file outside the ledger, e.g. on another disk.',
    )
  }
  const existing = statOrUndefined(file)
  if (existing?.isDirectory()) {
    throw new UsageError(
      `backup ${file}: is a directory`,
      `Name the backup file, e.g. ${resolve(file, 'ledger-YYYY-MM-DD.db')}.`,
    )
  }
  if (existing && !force) {
    throw new UsageError(`backup ${file}: the file exists`, 'Pass --force to replace it, or name another file.')
  }
  const dir = dirname(file)
  if (!statOrUndefined(dir)?.isDirectory()) {
    throw new UsageError(
      `backup ${file}: the directory ${dir} does not exist`,
      'Create it first, or name another file.',
    )
  }
  if (!isWritable(dir)) {
    throw new UsageError(`backup ${file}: ${dir} is not writable`, 'Name a file in a directory this user can write.')
  }
}

function statOrUndefined(path: string) {
  try {
    return statSync(path)
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code
    if (code === 'ENOENT' || code === 'ENOTDIR') return undefined
    throw error
  }
}
