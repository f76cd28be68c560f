import {existsSync, writeFileSync} from 'node:fs'
import {join} from 'node:path'

import Database from 'better-sqlite3'
import {afterEach, describe, expect, it} from 'vitest'

import {ConfigError} from '../../src/core/errors.js'
import {openDatabase} from '../../src/store/db.js'
import {LATEST_VERSION, MIGRATIONS, runMigrations} from '../../src/store/migrations/index.js'
import {installRoot} from '../../src/store/upgrade-advice.js'
import {tempDb, tempDir} from './helpers.js'

const cleanups: Array<() => void> = []
afterEach(() => {
  while (cleanups.length > 0) cleanups.pop()?.()
})

function fresh() {
  const t = tempDb()
  cleanups.push(t.cleanup)
  return t
}

describe('openDatabase', () => {
  it('creates the parent directory and applies the ledger pragmas', () => {
    const {db, file} = fresh()
    expect(existsSync(file)).toBe(true)
    expect(db.raw.pragma('journal_mode', {simple: true})).toBe('wal')
    expect(db.raw.pragma('synchronous', {simple: true})).toBe(2) // FULL
    expect(db.raw.pragma('foreign_keys', {simple: true})).toBe(1)
    expect(db.raw.pragma('busy_timeout', {simple: true})).toBeGreaterThanOrEqual(15_000)
    expect(db.raw.pragma('user_version', {simple: true})).toBe(LATEST_VERSION)
  })

  it('write() holds the write lock from the start of the transaction (BEGIN IMMEDIATE)', () => {
    const {db, file} = fresh()
    const other = new Database(file, {timeout: 0})
    try {
      const tryOther = () => other.prepare('BEGIN IMMEDIATE').run()
      db.write(() => {
        // nothing written yet: only an immediate transaction already excludes other writers here
        expect(tryOther).toThrowError(/database is locked/)
      })
      tryOther()
      other.prepare('ROLLBACK').run()
    } finally {
      other.close()
    }
  })

  it('a nested write that fails rolls back alone when the caller catches it', () => {
    const {db} = fresh()
    db.write(() => {
      db.stmt("INSERT INTO leases (name, owner, acquired_at, expires_at) VALUES ('a', 'o', 'x', 'y')").run()
      expect(() =>
        db.write(() => {
          db.stmt("INSERT INTO leases (name, owner, acquired_at, expires_at) VALUES ('b', 'o', 'x', 'y')").run()
          throw new Error('inner')
        }),
      ).toThrow('inner')
    })
    expect(db.raw.prepare('SELECT name FROM leases ORDER BY name').pluck().all()).toEqual(['a'])
  })

  it('caches prepared statements per Db', () => {
    const {db} = fresh()
    expect(db.stmt('SELECT 1')).toBe(db.stmt('SELECT 1'))
    expect(db.stmt('SELECT 1')).not.toBe(db.stmt('SELECT 2'))
  })

  it('read-only: reads an existing file and refuses writes', () => {
    const {file} = fresh()
    const ro = openDatabase(file, {readonly: true})
    cleanups.unshift(() => ro.close())
    expect(ro.raw.pragma('user_version', {simple: true})).toBe(LATEST_VERSION)
    expect(ro.raw.prepare('SELECT count(*) FROM sites').pluck().get()).toBe(0)
    expect(() => ro.write(() => 1)).toThrow(/read-only/)
    expect(() => ro.raw.prepare("INSERT INTO leases VALUES ('a','o','x','y')").run()).toThrow(/readonly/)
  })

  it('read-only: a missing file is a configuration error, and nothing is created', () => {
    const {dir, cleanup} = tempDir()
    cleanups.push(cleanup)
    const file = join(dir, 'nested', 'ledger.db')
    expect(() => openDatabase(file, {readonly: true})).toThrow(
      expect.objectContaining({exitCode: 78, code: 'home_missing', message: expect.stringContaining(file)}),
    )
    expect(existsSync(join(dir, 'nested'))).toBe(false)
  })

  it('read-only: an older schema is migrated first through a short-lived writer', () => {
    const {dir, cleanup} = tempDir()
    cleanups.push(cleanup)
    const file = join(dir, 'ledger.db')
    const raw = new Database(file)
    runMigrations(raw, MIGRATIONS.slice(0, 1))
    raw.close()
    const ro = openDatabase(file, {readonly: true})
    cleanups.unshift(() => ro.close())
    expect(ro.readonly).toBe(true)
    expect(ro.raw.pragma('user_version', {simple: true})).toBe(LATEST_VERSION)
  })

  it.each([false, true])('refuses a database newer than the code (readonly=%s) with exit 78', (readonly) => {
    const {dir, cleanup} = tempDir()
    cleanups.push(cleanup)
    const file = join(dir, 'ledger.db')
    const raw = new Database(file)
    raw.pragma(`user_version = ${LATEST_VERSION + 7}`)
    raw.close()
    let caught: unknown
    try {
      openDatabase(file, {readonly})
    } catch (error) {
      caught = error
    }
    expect(caught).toBeInstanceOf(ConfigError)
    const error = caught as ConfigError
    expect(error.exitCode).toBe(78)
    expect(error.message).toContain(`schema version ${LATEST_VERSION + 7}`)
    expect(error.message).toContain(`up to ${LATEST_VERSION}`)
    // yms-pay is not on npm (the package is private): the hint names where this one runs from and how to update it.
    expect(error.hint).not.toMatch(/npm (i|install) -g/)
    expect(error.hint).toContain('git pull && npm ci')
    expect(error.hint).toContain(installRoot())
    expect(error.hint).toMatch(/--home/)
    // and nothing was changed in the file
    const check = new Database(file)
    expect(check.pragma('user_version', {simple: true})).toBe(LATEST_VERSION + 7)
    expect(check.prepare("SELECT count(*) FROM sqlite_master WHERE type = 'table'").pluck().get()).toBe(0)
    check.close()
  })

  it('a file that is not a database is a configuration error, not a crash', () => {
    const {dir, cleanup} = tempDir()
    cleanups.push(cleanup)
    const file = join(dir, 'ledger.db')
    writeFileSync(file, 'this is a text file, not SQLite '.repeat(200))
    expect(() => openDatabase(file)).toThrow(expect.objectContaining({exitCode: 78, code: 'not_a_database'}))
  })

  it('foreign keys are enforced', () => {
    const {db} = fresh()
    expect(() =>
      db.write(() =>
        db
          .stmt("INSERT INTO customers (id, site, created_at, updated_at) VALUES ('c1', 'no-such-site', 'x', 'x')")
          .run(),
      ),
    ).toThrow(/FOREIGN KEY/)
  })
})
