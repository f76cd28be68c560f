import {chmodSync, mkdirSync, readdirSync, rmSync, statSync, writeFileSync} from 'node:fs'
import {join} from 'node:path'

import {afterAll, afterEach, beforeAll, describe, expect, it} from 'vitest'

import {toErrorReport} from '../../src/app/error-report.js'
import {openDatabase} from '../../src/store/db.js'
import {damageMiddlePage} from '../helpers/damage.js'
import {tempDir} from './helpers.js'

const mode = (path: string) => statSync(path).mode & 0o777
const cleanups: Array<() => void> = []
afterEach(() => {
  while (cleanups.length > 0) cleanups.pop()?.()
})
function dir(): string {
  const t = tempDir()
  cleanups.push(t.cleanup)
  return t.dir
}

describe('file modes under umask 022', () => {
  let umask: number
  beforeAll(() => void (umask = process.umask(0o022)))
  afterAll(() => void process.umask(umask))

  it('a new ledger is 0600 in a 0700 directory, and SQLite gives its -wal and -shm the same mode', () => {
    const home = join(dir(), 'a', 'home')
    const db = openDatabase(join(home, 'ledger.db'))
    try {
      db.write(() => db.stmt("INSERT INTO leases VALUES ('x', 'o', 'a', 'b')").run())
      expect(mode(home)).toBe(0o700)
      expect(mode(join(home, '..'))).toBe(0o700)
      for (const name of ['ledger.db', 'ledger.db-wal', 'ledger.db-shm'])
        expect(mode(join(home, name)), name).toBe(0o600)
    } finally {
      db.close()
    }
  })

  it('an existing ledger keeps the mode its admin gave it', () => {
    const file = join(dir(), 'ledger.db')
    openDatabase(file).close()
    chmodSync(file, 0o640)
    openDatabase(file).close()
    expect(mode(file)).toBe(0o640)
  })
})

describe('side files without their database', () => {
  it.each(['-wal', '-shm', '-journal'])('a lone %s: refused naming it, and no new ledger is created', (suffix) => {
    const home = dir()
    const file = join(home, 'ledger.db')
    writeFileSync(file + suffix, 'committed work, perhaps')
    for (const readonly of [false, true]) {
      expect(() => openDatabase(file, {readonly})).toThrow(
        expect.objectContaining({
          exitCode: 78,
          code: 'orphaned_side_files',
          message: expect.stringContaining(file + suffix),
        }),
      )
    }
    expect(readdirSync(home)).toEqual([`ledger.db${suffix}`])
  })

  it('an empty ledger.db beside a WAL is refused too (SQLite would discard the WAL: measured)', () => {
    const home = dir()
    const file = join(home, 'ledger.db')
    writeFileSync(file, '')
    writeFileSync(`${file}-wal`, 'frames')
    expect(() => openDatabase(file)).toThrow(
      expect.objectContaining({message: expect.stringContaining(`${file} is empty`)}),
    )
    expect(statSync(`${file}-wal`).size).toBe(6)
  })
})

describe("SQLite's errors about the file become typed errors naming it", () => {
  it('a read meeting a damaged page: database_corrupt (exit 78) naming the file and what to do', () => {
    const file = join(dir(), 'ledger.db')
    const db = openDatabase(file)
    db.write(() => {
      const insert = db.stmt("INSERT INTO leases VALUES (?, 'owner', 'a', ?)")
      for (let i = 0; i < 2000; i++) insert.run(`lease-${i}`, 'x'.repeat(100))
    })
    db.close()
    damageMiddlePage(file, 'leases')
    const damaged = openDatabase(file, {readonly: true})
    try {
      let caught: unknown
      try {
        damaged.read(() => damaged.raw.prepare('SELECT count(*), max(expires_at) FROM leases').get())
      } catch (error) {
        caught = error
      }
      expect(caught).toMatchObject({exitCode: 78, code: 'database_corrupt', message: expect.stringContaining(file)})
      expect((caught as {hint: string}).hint).toMatch(/yms-pay doctor.*backup/s)
      // Thrown outside read()/write() (a plain statement), the base command's error report still names the file.
      let raw: unknown
      try {
        damaged.raw.prepare('SELECT count(*), max(expires_at) FROM leases').get()
      } catch (error) {
        raw = error
      }
      expect(toErrorReport(raw, {dbFile: file})).toMatchObject({exitCode: 78, code: 'database_corrupt'})
      expect(toErrorReport(raw, {dbFile: file}).message).toContain(file)
    } finally {
      damaged.close()
    }
  })

  // In WAL mode SQLite itself goes on committing into a -wal that belongs to no file (measured).
  it.each([
    ['deleted', (file: string) => rmSync(file)],
    [
      'replaced (a backup restored over it)',
      (file: string) => {
        rmSync(file)
        writeFileSync(file, '')
      },
    ],
  ])('ledger.db %s while a command has it open: its next write is refused as database_moved', (_, change) => {
    const home = dir()
    const file = join(home, 'ledger.db')
    const db = openDatabase(file)
    try {
      change(file)
      expect(() => db.write(() => db.stmt("INSERT INTO leases VALUES ('x', 'o', 'a', 'b')").run())).toThrow(
        expect.objectContaining({exitCode: 78, code: 'database_moved', message: expect.stringContaining(file)}),
      )
    } finally {
      db.close()
    }
  })

  it('a directory in the place of the ledger cannot be opened: a typed error, not a raw CANTOPEN', () => {
    const file = join(dir(), 'ledger.db')
    mkdirSync(file)
    expect(() => openDatabase(file)).toThrow(
      expect.objectContaining({exitCode: 78, message: expect.stringContaining(file)}),
    )
  })

  it('a file that is not a database stays the configuration error it was', () => {
    const file = join(dir(), 'ledger.db')
    writeFileSync(file, 'plain text '.repeat(500))
    for (const readonly of [false, true]) {
      expect(() => openDatabase(file, {readonly})).toThrow(
        expect.objectContaining({code: 'not_a_database', message: expect.stringContaining(file)}),
      )
    }
  })
})
