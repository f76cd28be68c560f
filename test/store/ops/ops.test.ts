import {afterEach, beforeEach, describe, expect, it} from 'vitest'

import {bothWays} from '../../../src/store/ops/dialect.js'
import {dual} from '../../../src/store/ops/dual.js'
import {
  all,
  each,
  engine,
  get,
  type HeldInsert,
  later,
  lockForTransaction,
  now,
  type Ops,
  read,
  run,
  send,
  value,
  values,
  write,
} from '../../../src/store/ops/op.js'
import {testPostgres} from '../../helpers/postgres.js'
import {type HandleUnderTest, handleEngines} from './engines.js'

const postgres = await testPostgres()

const T = '2024-05-01T00:00:00.000Z'
const SITE = 'INSERT INTO sites (id, name, currency, created_at, updated_at) VALUES (?, ?, ?, ?, ?)'
const NAMED_SITE = `INSERT INTO sites (id, name, currency, created_at, updated_at)
                    VALUES (@id, 'mail@example.com -- @not', @currency, @at, @at)`

function* addSite(id: string, currency = 'EUR'): Ops<number> {
  return (yield* run(SITE, [id, `Site ${id}`, currency, T, T])).changes
}

const siteIds = () => values<string>('SELECT id FROM sites ORDER BY id')

/** A repository function written once: callable on a Db as before, and as statements for either engine. */
const siteCount = dual(function* (currency: string) {
  return (yield* value<number>('SELECT count(*) AS n FROM sites WHERE currency = ?', [currency])) ?? 0
})

describe.each(handleEngines(postgres))('statement generators on $engine', ({engine: kind, skip, open}) => {
  let ledger: HandleUnderTest
  beforeEach(async () => {
    if (skip === undefined) ledger = await open(() => Date.parse('2024-06-01T12:00:00.000Z'))
  })
  afterEach(async () => {
    if (skip === undefined) await ledger.close()
  })

  describe.skipIf(skip !== undefined)('', () => {
    it('answers each kind of statement the same: rows, one row, a value, a column, changes', async () => {
      const changes = await ledger.handle.write(
        (function* () {
          const made = [yield* addSite('berlin'), yield* addSite('paris'), yield* addSite('zurich', 'CHF')]
          const renamed = yield* run('UPDATE sites SET name = ? WHERE currency = ?', ['Euro site', 'EUR'])
          return [...made, renamed.changes]
        })(),
      )
      expect(changes).toEqual([1, 1, 1, 2])
      const read = await ledger.handle.read(
        (function* () {
          return {
            rows: yield* all('SELECT id, name FROM sites ORDER BY id'),
            one: yield* get('SELECT id, currency FROM sites WHERE id = ?', ['zurich']),
            none: yield* get('SELECT id FROM sites WHERE id = ?', ['nowhere']),
            value: yield* value<string>('SELECT name FROM sites WHERE id = ?', ['berlin']),
            noValue: yield* value<string>('SELECT name FROM sites WHERE id = ?', ['nowhere']),
            column: yield* siteIds(),
            count: yield* siteCount.ops('EUR'),
            engine: yield* engine(),
            now: yield* now(),
          }
        })(),
      )
      expect(read).toEqual({
        rows: [
          {id: 'berlin', name: 'Euro site'},
          {id: 'paris', name: 'Euro site'},
          {id: 'zurich', name: 'Site zurich'},
        ],
        one: {id: 'zurich', currency: 'CHF'},
        none: undefined,
        value: 'Euro site',
        noValue: undefined,
        column: ['berlin', 'paris', 'zurich'],
        count: 2,
        engine: kind,
        now: '2024-06-01T12:00:00.000Z',
      })
    })

    it('binds @name parameters, a name used twice included; an @ in a literal or comment is text', async () => {
      await ledger.handle.write(run(NAMED_SITE, {id: 'oslo', currency: 'NOK', at: T}))
      const row = await ledger.handle.read(
        get('SELECT name, created_at, updated_at FROM sites WHERE id = @id', {id: 'oslo'}),
      )
      expect(row).toEqual({name: 'mail@example.com -- @not', created_at: T, updated_at: T})
      await expect(ledger.handle.write(run(NAMED_SITE, {id: 'rome', currency: 'EUR'}))).rejects.toThrow(
        /Missing named parameter "at"/,
      )
    })

    it('spells a statement per engine where the two differ', async () => {
      await ledger.handle.write(addSite('berlin'))
      const upper = await ledger.handle.read(
        value<string>({
          sqlite: "SELECT upper(id) || '-sqlite' FROM sites",
          postgres: "SELECT upper(id) || '-postgres' FROM sites",
        }),
      )
      expect(upper).toBe(`BERLIN-${kind}`)
    })

    it('spells the dialect words so both engines select the same rows', async () => {
      const posting = `INSERT INTO ledger_postings (txn_seq, txn_id, version, account, amount_minor, currency, provider, site, posted_at)
                       VALUES (NULL, ?, 1, ?, ?, 'EUR', NULL, 'berlin', ?)`
      const quarantined = `INSERT INTO quarantine (provider, external_id, reason, detail, raw_json, source, normalized_json, created_at, updated_at)
                           VALUES ('p1', ?, 'awaiting_parent', '', '{}', 'pull', ?, ?, ?)`
      const found = await ledger.handle.write(
        (function* () {
          yield* addSite('berlin')
          for (const [account, minor] of [
            ['customer:c1', 5],
            ['Customer:c2', 7],
            ['customers:x', 11],
            ['clearing:p1', -23],
          ] as const)
            yield* run(posting, ['invoice:1', account, minor, T])
          yield* run(quarantined, ['re_1', '{"parentExternalId":"ch_1","n":1}', T, T])
          yield* run(quarantined, ['re_2', '{"parentExternalId":"ch_2"}', T, T])
          return {
            customers: yield* values<string>(
              bothWays(
                (w) =>
                  `SELECT account FROM ledger_balances WHERE ${w.startsWith('account', 'customer:')} ORDER BY account`,
              ),
            ),
            listed: yield* values<string>(
              bothWays((w) => `SELECT account FROM ledger_balances WHERE account ${w.inList('text')} ORDER BY account`),
              [JSON.stringify(['customers:x', 'clearing:p1', 'nowhere'])],
            ),
            child: yield* values<string>(
              bothWays(
                (w) =>
                  `SELECT external_id FROM quarantine WHERE ${w.jsonText('normalized_json', 'parentExternalId')} = ?`,
              ),
              ['ch_2'],
            ),
          }
        })(),
      )
      expect(found).toEqual({customers: ['customer:c1'], listed: ['clearing:p1', 'customers:x'], child: ['re_2']})
    })

    it('streams rows to a callback, in order', async () => {
      await ledger.handle.write(
        (function* () {
          for (let i = 0; i < 25; i++) yield* addSite(`s${String(i).padStart(2, '0')}`)
        })(),
      )
      const seen: string[] = []
      await ledger.handle.read(each<{id: string}>('SELECT id FROM sites ORDER BY id', [], (row) => seen.push(row.id)))
      expect(seen).toHaveLength(25)
      expect(seen[0]).toBe('s00')
      expect(seen.at(-1)).toBe('s24')
    })

    it('a nested write is a savepoint: its failure, caught, undoes only its part', async () => {
      const outcome = await ledger.handle.write(
        (function* () {
          yield* addSite('berlin')
          try {
            yield* write(
              (function* () {
                yield* addSite('paris')
                yield* addSite('berlin') // primary key: refused
              })(),
            )
          } catch (error) {
            return (error as Error).message.length > 0 ? 'caught' : 'no message'
          }
          return 'not refused'
        })(),
      )
      expect(outcome).toBe('caught')
      expect(await ledger.handle.read(siteIds())).toEqual(['berlin'])
    })

    it('a throw rolls the whole transaction back and reaches the caller as it was thrown', async () => {
      const refusal = new Error('no, thanks')
      await expect(
        ledger.handle.write(
          (function* () {
            yield* addSite('berlin')
            throw refusal
          })(),
        ),
      ).rejects.toBe(refusal)
      expect(await ledger.handle.read(siteIds())).toEqual([])
    })

    it('a failed statement caught outside a savepoint still fails the transaction on both engines', async () => {
      const attempt = ledger.handle.write(
        (function* () {
          yield* addSite('berlin')
          try {
            yield* addSite('berlin')
          } catch {
            // going on as if nothing happened is what PostgreSQL forbids
          }
          yield* addSite('paris')
        })(),
      )
      await expect(attempt).rejects.toThrow(/a statement of this transaction failed/)
      expect(await ledger.handle.read(siteIds())).toEqual([])
    })

    it('rows held by later are there for the next read of their transaction, and committed with it', async () => {
      const seen = await ledger.handle.write(
        (function* () {
          yield* later(HELD_SITE, 2, ['berlin', 'Berlin', 'EUR', T, T, 'paris', 'Paris', 'EUR', T, T])
          yield* later(HELD_SITE, 1, ['zurich', 'Zurich', 'CHF', T, T])
          const before = yield* siteIds()
          yield* later(HELD_SITE, 1, ['oslo', 'Oslo', 'NOK', T, T])
          return before
        })(),
      )
      expect(seen).toEqual(['berlin', 'paris', 'zurich'])
      expect(await ledger.handle.read(siteIds())).toEqual(['berlin', 'oslo', 'paris', 'zurich'])
    })

    it('a held row the database refuses fails its whole transaction, whenever it is sent', async () => {
      const attempt = ledger.handle.write(
        (function* () {
          yield* addSite('berlin')
          yield* later(HELD_SITE, 1, ['berlin', 'again', 'EUR', T, T])
        })(),
      )
      await expect(attempt).rejects.toThrow(kind === 'sqlite' ? /UNIQUE|constraint/i : /duplicate key|unique/i)
      expect(await ledger.handle.read(siteIds())).toEqual([])
    })

    it('a statement sent without waiting for its answer is there for the next read and commits; its failure fails all', async () => {
      const seen = await ledger.handle.write(
        (function* () {
          yield* send(SITE, ['berlin', 'Berlin', 'EUR', T, T])
          yield* later(HELD_SITE, 1, ['paris', 'Paris', 'EUR', T, T])
          yield* send("UPDATE sites SET name = 'Paris, held first' WHERE id = ?", ['paris'])
          return yield* all('SELECT id, name FROM sites ORDER BY id')
        })(),
      )
      expect(seen).toEqual([
        {id: 'berlin', name: 'Berlin'},
        {id: 'paris', name: 'Paris, held first'},
      ])
      await expect(
        ledger.handle.write(
          (function* () {
            yield* addSite('oslo')
            yield* send(SITE, ['berlin', 'again', 'EUR', T, T])
          })(),
        ),
      ).rejects.toThrow(kind === 'sqlite' ? /UNIQUE|constraint/i : /duplicate key|unique/i)
      expect(await ledger.handle.read(siteIds())).toEqual(['berlin', 'paris'])
    })

    it('a read nested in a write sees the rows held before it', async () => {
      const seen = await ledger.handle.write(
        (function* () {
          yield* later(HELD_SITE, 1, ['berlin', 'Berlin', 'EUR', T, T])
          return yield* read(siteIds())
        })(),
      )
      expect(seen).toEqual(['berlin'])
    })

    it.runIf(kind === 'postgres')(
      'an advisory lock a rolled-back savepoint took is taken again, and held',
      async () => {
        const KEY = 4_242
        const held = () =>
          value<number>(
            "SELECT count(*) FROM pg_locks WHERE locktype = 'advisory' AND pid = pg_backend_pid() AND objid = ?",
            [KEY],
          )
        const seen = await ledger.handle.write(
          (function* () {
            try {
              yield* write(
                (function* () {
                  yield* lockForTransaction(KEY)
                  throw new Error('undone')
                })(),
              )
            } catch {
              // the savepoint is rolled back, and the lock with it
            }
            const after = yield* held()
            yield* lockForTransaction(KEY)
            yield* write(lockForTransaction(KEY))
            yield* lockForTransaction(KEY)
            return [after, yield* held()]
          })(),
        )
        expect(seen).toEqual([0, 1])
      },
    )
  })
})

const HELD_SITE: HeldInsert = {
  head: 'INSERT INTO sites (id, name, currency, created_at, updated_at)',
  row: '(?, ?, ?, ?, ?)',
  tail: '',
}

describe('a dual repository function on a SQLite Db', () => {
  it('runs synchronously inside the caller’s transaction, as repository calls always did', async () => {
    const [{db, close}] = await Promise.all([handleEngines(postgres)[0]!.open()])
    try {
      db!.write(() => {
        db!.stmt(SITE).run('berlin', 'Berlin', 'EUR', T, T)
        expect(siteCount(db!, 'EUR')).toBe(1) // sees the uncommitted row: same transaction, no await between
      })
      expect(siteCount(db!, 'CHF')).toBe(0)
    } finally {
      await close()
    }
  })
})
