import {accessSync, constants} from 'node:fs'
import {dirname} from 'node:path'
import {pathToFileURL} from 'node:url'

import {ConfigError} from '../core/errors.js'
import {sizeOf} from './side-files.js'

/**
 * How a reader opens the file. A WAL reader needs the -shm index, which SQLite creates beside the database: in a
 * directory this user cannot write, that fails ("attempt to write a readonly database"). Then:
 * - no WAL content (the last writer closed cleanly, which folds the WAL into the file): SQLite's `immutable` open,
 *   which reads the file alone and takes no locks. It assumes nobody changes the file meanwhile, and nobody can:
 *   a writer needs to create the -wal file in that same directory. (Immutable would ignore a WAL's content, so it
 *   is never used while one exists.)
 * - a WAL with its -shm (a writer is running, or crashed): SQLite reads both without writing them;
 * - a WAL without its -shm: it cannot be read without writing, so refuse rather than show a ledger without it.
 */
export function readerTarget(file: string): {path: string; canMigrate: boolean} {
  if (isWritable(dirname(file))) return {path: file, canMigrate: isWritable(file)}
  const wal = sizeOf(`${file}-wal`) ?? 0
  const journal = sizeOf(`${file}-journal`) ?? 0
  if (wal === 0 && journal === 0) return {path: `${pathToFileURL(file).href}?mode=ro&immutable=1`, canMigrate: false}
  if (journal === 0 && sizeOf(`${file}-shm`) !== undefined) return {path: file, canMigrate: false}
  throw new ConfigError(
    `${file} has changes in its ${journal > 0 ? '-journal' : '-wal'} file that cannot be read while ${dirname(file)} is not writable.`,
    'Make the directory writable and run any yms-pay command once (it folds the changes into the database), or copy the whole directory somewhere writable and point --home at the copy.',
    'home_not_writable',
  )
}

export function isWritable(path: string): boolean {
  try {
    accessSync(path, constants.W_OK)
    return true
  } catch {
    return false
  }
}
