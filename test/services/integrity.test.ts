import {join} from 'node:path'

import {afterEach, describe, expect, it} from 'vitest'

import {checkBeforeWriting, QUICK_CHECK_INTERVAL_MS} from '../../src/services/integrity.js'
import {openDatabase, type Db} from '../../src/store/db.js'
import {damageMiddlePage} from '../helpers/damage.js'
import {tempDir} from '../store/helpers.js'

const cleanups: Array<() => void> = []
afterEach(() => {
  while (cleanups.length > 0) cleanups.pop()?.()
})

/** A ledger with enough rows for a damaged page in the middle, on a clock the test moves. */
function ledger(): {file: string; open(): Db; advance(ms: number): void} {
  const {dir, cleanup} = tempDir()
  cleanups.push(cleanup)
  const file = join(dir, 'ledger.db')
  let now = Date.parse('2026-03-01T00:00:00.000Z')
  const open = () => {
    const db = openDatabase(file, {clock: () => now})
    cleanups.unshift(() => db.close())
    return db
  }
  const db = open()
  db.write(() => {
    const insert = db.stmt("INSERT INTO leases VALUES (?, 'owner', 'a', ?)")
    for (let i = 0; i < 2000; i++) insert.run(`lease-${i}`, 'z'.repeat(100))
  })
  db.close()
  return {file, open, advance: (ms) => void (now += ms)}
}

// The schedule behind the sync's check (see QUICK_CHECK_INTERVAL_MS for the measurement that set it).
describe('checkBeforeWriting', () => {
  it('checks a ledger never checked, then not again within the interval, then again after it', () => {
    const l = ledger()
    const db = l.open()
    expect(checkBeforeWriting(db)).toBe(true)
    l.advance(QUICK_CHECK_INTERVAL_MS - 1000)
    expect(checkBeforeWriting(db)).toBe(false)
    l.advance(2000)
    expect(checkBeforeWriting(db)).toBe(true)
  })

  it('a damaged ledger whose check is due: database_corrupt naming the file, and the check stays due', () => {
    const l = ledger()
    damageMiddlePage(l.file, 'leases')
    const db = l.open()
    for (let i = 0; i < 2; i++) {
      expect(() => checkBeforeWriting(db)).toThrow(
        expect.objectContaining({exitCode: 78, code: 'database_corrupt', message: expect.stringContaining(l.file)}),
      )
    }
  })

  it('damage after a passed check is found at the first check once the interval is over', () => {
    const l = ledger()
    const first = l.open()
    expect(checkBeforeWriting(first)).toBe(true)
    first.close()
    damageMiddlePage(l.file, 'leases')
    const db = l.open()
    l.advance(QUICK_CHECK_INTERVAL_MS + 1)
    expect(() => checkBeforeWriting(db)).toThrow(expect.objectContaining({code: 'database_corrupt'}))
  })
})
