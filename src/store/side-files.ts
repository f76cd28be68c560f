import {statSync} from 'node:fs'
import {basename} from 'node:path'

import {ConfigError} from '../core/errors.js'

/**
 * The files SQLite keeps beside a database: the write-ahead log (committed work not yet copied into the database),
 * its shared-memory index, and a rollback journal. They mean something only together with their database.
 */
export const SIDE_SUFFIXES = ['-wal', '-shm', '-journal'] as const

/** Size in bytes, or undefined when there is no such file. */
export function sizeOf(path: string): number | undefined {
  try {
    return statSync(path).size
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code
    // ENOTDIR: a part of the path is a file, so nothing exists there.
    if (code === 'ENOENT' || code === 'ENOTDIR') return undefined
    throw error
  }
}

/** The side files that exist beside `file`. */
export function existingSideFiles(file: string): string[] {
  return SIDE_SUFFIXES.map((suffix) => file + suffix).filter((path) => sizeOf(path) !== undefined)
}

/**
 * Side files whose database is gone or empty. SQLite opening such a database would start a new, empty one and
 * discard the WAL (measured: it deletes it on close), losing every transaction the WAL held. A database is never
 * legitimately empty beside a WAL: switching to WAL mode writes the database's first page.
 */
function orphanedSideFiles(file: string): string[] {
  const size = sizeOf(file)
  if (size !== undefined && size > 0) return []
  return existingSideFiles(file)
}

/** Refuses to open (and so to create) a database whose side files remain without it. */
export function refuseOrphans(file: string): void {
  const orphans = orphanedSideFiles(file)
  if (orphans.length === 0) return
  const names = orphans.map((path) => basename(path)).join(', ')
  const state = sizeOf(file) === undefined ? 'is missing' : 'is empty'
  throw new ConfigError(
    `${file} ${state} while ${orphans.join(' and ')} remain${orphans.length === 1 ? 's' : ''}: a -wal file may hold ` +
      'committed work that exists nowhere else, so yms-pay will not start a new ledger beside it.',
    `Put the lost ${basename(file)} back if you can: the side files belong to it. To restore a backup instead (\`yms-pay ` +
      `backup\` makes them), or if the loss is accepted, first move ${names} out of the directory: applied to any ` +
      'other database file they would damage it.',
    'orphaned_side_files',
  )
}
