import {randomBytes} from 'node:crypto'
import {closeSync, fsyncSync, openSync, renameSync, rmSync, statSync} from 'node:fs'
import {basename, dirname, join} from 'node:path'

import Database from 'better-sqlite3'

import type {Db} from './db.js'
import {checkIntegrity} from './integrity.js'
import {createPrivateFile} from './private-files.js'
import {damaged} from './storage-errors.js'

export interface BackupCopy {
  file: string
  bytes: number
  pages: number
}

// better-sqlite3 copies 100 pages per step by default, releasing the source between steps; a write by another
// process in between restarts the copy, so a busy ledger might never finish. All pages in one step hold one read
// transaction on the source for the whole copy: a consistent snapshot, while WAL lets writers go on meanwhile.
const ALL_PAGES = 0x7fffffff

/**
 * A consistent copy of the open database at `target` through SQLite's online backup API. The copy is written
 * beside the target under a temporary name (owner-only from its creation), switched to a rollback journal so it is
 * one self-contained file, checked with integrity_check, synced, and only then renamed over the target: a failed or
 * interrupted backup never leaves a half-written file under the target's name, nor replaces an older good one.
 */
export async function copyDatabase(db: Db, target: string): Promise<BackupCopy> {
  const partial = join(dirname(target), `.${basename(target)}.${randomBytes(4).toString('hex')}.partial`)
  createPrivateFile(partial)
  try {
    const progress = await db.raw.backup(partial, {progress: () => ALL_PAGES})
    settle(partial, db.file)
    syncPath(partial)
    renameSync(partial, target)
    syncPath(dirname(target))
    return {file: target, bytes: statSync(target).size, pages: progress.totalPages}
  } catch (error) {
    rmSync(partial, {force: true})
    rmSync(`${partial}-journal`, {force: true})
    throw error
  }
}

/** Makes the copy a single file (no -wal beside it to lose when it is moved) and proves it readable. */
function settle(partial: string, source: string): void {
  const copy = new Database(partial)
  try {
    copy.pragma('journal_mode = DELETE')
    const integrity = checkIntegrity(copy)
    // The backup API copies pages as they are: a damaged source gives a damaged copy.
    if (!integrity.ok) throw damaged(source, `its backup copy fails integrity_check: ${integrity.problems[0]}`)
  } finally {
    copy.close()
  }
}

function syncPath(path: string): void {
  const fd = openSync(path, 'r')
  try {
    fsyncSync(fd)
  } finally {
    closeSync(fd)
  }
}
