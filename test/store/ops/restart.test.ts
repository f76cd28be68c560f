import {afterEach, describe, expect, it} from 'vitest'

import {type Body, storeHandle} from '../../../src/store/ops/ledger-handle.js'
import {all, run, value, write} from '../../../src/store/ops/op.js'
import {RESTART, type RestartPolicy} from '../../../src/store/ops/restart.js'
import {pgStore} from '../../../src/store/seam/pg-store.js'
import type {Store} from '../../../src/store/seam/store.js'
import {testPostgres} from '../../helpers/postgres.js'

const postgres = await testPostgres()

/**
 * A write whose body is a function starts again, in a new transaction, when PostgreSQL broke a deadlock with it or
 * refused it for a serialization failure; nothing else is run twice. Several hosts updating the same rows in different
 * orders (two webhook groups, a sync page and a retry) is how the deadlock comes about.
 */
const stores: Store[] = []
afterEach(async () => {
  for (const store of stores.splice(0)) await store.close()
})

async function hosts(count: number, policy?: RestartPolicy) {
  const database = await postgres.freshDatabase()
  return Array.from({length: count}, () => {
    const store = pgStore(database.connection)
    stores.push(store)
    return storeHandle(store, Date.now, policy)
  })
}

/** An error as pg reports a failed statement: its SQLSTATE in `code`. */
const sqlState = (code: string) => Object.assign(new Error(`SQLSTATE ${code}`), {code})

describe.skipIf(postgres.skip !== undefined)('restarting a write on PostgreSQL', () => {
  it('two hosts locking two rows in opposite orders deadlock; the one the server picks runs again, both commit', async () => {
    const [a, b] = await hosts(2)
    await a!.write(run('CREATE TABLE probe (id integer PRIMARY KEY, n integer NOT NULL)'))
    await a!.write(run('INSERT INTO probe (id, n) VALUES (1, 0), (2, 0)'))
    // Each pool's connection is open before the race, so both take their first lock at once.
    await b!.write(value('SELECT 1'))
    let runs = 0
    const crossing =
      (first: number, second: number): Body<void> =>
      () => {
        runs++
        return (function* () {
          yield* run('UPDATE probe SET n = n + 1 WHERE id = ?', [first])
          // Both hold their first row before either asks for its second.
          yield* value('SELECT pg_sleep(0.4)::text')
          yield* run('UPDATE probe SET n = n + 1 WHERE id = ?', [second])
        })()
      }
    await Promise.all([a!.write(crossing(1, 2)), b!.write(crossing(2, 1))])
    expect(runs).toBe(3)
    expect(await a!.read(all('SELECT id, n FROM probe ORDER BY id'))).toEqual([
      {id: 1, n: 2},
      {id: 2, n: 2},
    ])
  }, 20_000)

  it('a deadlock in a nested write (a savepoint) runs the whole outermost body again, not the savepoint', async () => {
    const [a, b] = await hosts(2)
    await a!.write(run('CREATE TABLE probe (id integer PRIMARY KEY, n integer NOT NULL)'))
    await a!.write(run('INSERT INTO probe (id, n) VALUES (1, 0), (2, 0), (3, 0), (4, 0)'))
    await b!.write(value('SELECT 1'))
    let runs = 0
    const crossing =
      (own: number, first: number, second: number): Body<void> =>
      () => {
        runs++
        return (function* () {
          // Before the savepoint: rolled back with the run the server broke, so counted once however many runs.
          yield* run('UPDATE probe SET n = n + 1 WHERE id = ?', [own])
          yield* write(
            (function* () {
              yield* run('UPDATE probe SET n = n + 1 WHERE id = ?', [first])
              yield* value('SELECT pg_sleep(0.4)::text')
              yield* run('UPDATE probe SET n = n + 1 WHERE id = ?', [second])
            })(),
          )
        })()
      }
    await Promise.all([a!.write(crossing(3, 1, 2)), b!.write(crossing(4, 2, 1))])
    expect(runs).toBe(3)
    expect(await a!.read(all('SELECT id, n FROM probe ORDER BY id'))).toEqual([
      {id: 1, n: 2},
      {id: 2, n: 2},
      {id: 3, n: 1},
      {id: 4, n: 1},
    ])
  }, 20_000)

  it('an error that is not a conflict is not run again; a conflict at most 5 times in all, after growing waits', async () => {
    const waits: number[] = []
    const [h] = await hosts(1, {...RESTART, sleep: async (ms) => void waits.push(ms), random: () => 0.5})
    await h!.write(run('CREATE TABLE once (id integer PRIMARY KEY)'))
    let runs = 0
    const duplicate = h!.write(() => {
      runs++
      return run('INSERT INTO once (id) VALUES (1), (1)')
    })
    await expect(duplicate).rejects.toMatchObject({code: '23505'})
    expect(runs).toBe(1)
    expect(waits).toEqual([])

    runs = 0
    const refused = h!.write(() => {
      runs++
      return (function* () {
        yield* run('INSERT INTO once (id) VALUES (?)', [runs])
        throw sqlState('40001')
      })()
    })
    await expect(refused).rejects.toMatchObject({code: '40001'})
    expect(runs).toBe(5)
    // Each step doubles from 20 ms: half of it, plus the random half (0.5 here).
    expect(waits).toEqual([15, 30, 60, 120])
    // Every run rolled back whole.
    expect(await h!.read(all('SELECT id FROM once'))).toEqual([])

    // A body given as its generator cannot start again: it runs once, whatever it meets.
    runs = 0
    const generator = h!.write(
      (function* () {
        runs++
        yield* value('SELECT 1')
        throw sqlState('40P01')
      })(),
    )
    await expect(generator).rejects.toMatchObject({code: '40P01'})
    expect(runs).toBe(1)
  })
})
