import {mkdtempSync, rmSync} from 'node:fs'
import {tmpdir} from 'node:os'
import {join} from 'node:path'

import {type Db, openDatabase, type OpenOptions} from '../../src/store/db.js'

/** A fresh directory per test, removed by the returned cleanup. */
export function tempDir(): {dir: string; cleanup: () => void} {
  const dir = mkdtempSync(join(tmpdir(), 'yms-store-'))
  return {dir, cleanup: () => rmSync(dir, {recursive: true, force: true})}
}

/** A stepping clock: every call returns one second later than the previous one, starting at `start`. */
export function steppingClock(start = Date.parse('2024-05-01T10:00:00.000Z')): () => number {
  let now = start - 1000
  return () => {
    now += 1000
    return now
  }
}

export interface TempDb {
  db: Db
  file: string
  dir: string
  cleanup: () => void
}

export function tempDb(opts: OpenOptions = {}): TempDb {
  const {dir, cleanup} = tempDir()
  const file = join(dir, 'data', 'ledger.db')
  const db = openDatabase(file, {clock: steppingClock(), ...opts})
  return {
    db,
    file,
    dir,
    cleanup: () => {
      db.close()
      cleanup()
    },
  }
}
