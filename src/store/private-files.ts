import {chmodSync, closeSync, mkdirSync, openSync} from 'node:fs'

/**
 * The ledger holds customer names, emails and raw gateway payloads: only its owner may read it. Directories are
 * created 0700 (as the XDG spec asks for data directories), database files 0600; SQLite gives the -wal, -shm and
 * -journal files it creates the database file's mode, so they follow.
 */
export const PRIVATE_DIR_MODE = 0o700
export const PRIVATE_FILE_MODE = 0o600

/** Creates the directory (and missing parents) owner-only; an existing one is left as it is. */
export function ensurePrivateDir(dir: string): void {
  const created = mkdirSync(dir, {recursive: true, mode: PRIVATE_DIR_MODE})
  // mkdir applies the umask, which can only remove bits; chmod makes the mode exact for the directory asked for.
  if (created !== undefined) chmodSync(dir, PRIVATE_DIR_MODE)
}

/**
 * Creates an empty owner-only file before SQLite opens it, so it never exists with the umask's looser mode (SQLite
 * would create it 0644 under umask 022; its -wal and -shm follow the database's mode). Returns false when the file
 * already existed (it is left untouched).
 */
export function createPrivateFile(file: string): boolean {
  let fd: number
  try {
    fd = openSync(file, 'wx', PRIVATE_FILE_MODE)
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'EEXIST') return false
    throw error
  }
  closeSync(fd)
  chmodSync(file, PRIVATE_FILE_MODE)
  return true
}
