import {afterEach, beforeEach, describe, expect, it} from 'vitest'

import {bothWays, words} from '../../../src/store/ops/dialect.js'
import {all, get, type Ops, run, value, values} from '../../../src/store/ops/op.js'
import {testPostgres} from '../../helpers/postgres.js'
import {type HandleUnderTest, handleEngines} from './engines.js'

const postgres = await testPostgres()

const T = '2024-05-01T00:00:00.000Z'

function* addSite(id: string, currency: string, name = `Site ${id}`): Ops<void> {
  yield* run('INSERT INTO sites (id, name, currency, created_at, updated_at) VALUES (?, ?, ?, ?, ?)', [
    id,
    name,
    currency,
    T,
    T,
  ])
}

function* addCustomer(id: string, segment: string | null): Ops<void> {
  yield* run(
    'INSERT INTO customers (id, site, segment, created_at, updated_at) VALUES (@id, @site, @segment, @at, @at)',
    {id, site: 'berlin', segment, at: T},
  )
}

/** berlin (EUR), paris (EUR), zurich (CHF). */
function* threeSites(): Ops<void> {
  yield* addSite('berlin', 'EUR')
  yield* addSite('paris', 'EUR')
  yield* addSite('zurich', 'CHF')
}

describe('dialect words: SQLite spells them as its statements always did', () => {
  const w = words('sqlite')

  it('keeps every word of SQLite’s text as it was before there was a second engine', () => {
    expect(w.inList('text')).toBe('IN (SELECT value FROM json_each(?))')
    expect(w.inList('integer', '@ranks')).toBe('IN (SELECT value FROM json_each(@ranks))')
    expect(w.unset('@site')).toBe('@site IS NULL')
    expect(w.unset('?')).toBe('? IS NULL')
    expect(w.limit('@limit')).toBe('@limit')
    expect(w.alias('invoiceRef')).toBe('invoiceRef')
    expect(w.sumTrue("status = 'pending'")).toBe("SUM(status = 'pending')")
    expect(w.stored('quarantine', 'seen_count')).toBe('seen_count')
    expect(w.instr('metadata_json', '@key')).toBe('instr(metadata_json, @key)')
    expect(w.indexedBy('transactions_site_time')).toBe(' INDEXED BY transactions_site_time')
    expect(w.groupOrder('account, currency')).toBe('')
  })

  it('refuses what is not a parameter or a plain name, on either engine', () => {
    for (const engine of ['sqlite', 'postgres'] as const) {
      const e = words(engine)
      expect(() => e.unset('site')).toThrow(/not a parameter/)
      expect(() => e.limit('@limit; DROP TABLE sites')).toThrow(/not a parameter/)
      expect(() => e.inList('text', '$1')).toThrow(/not a parameter/)
      expect(() => e.alias('a"b')).toThrow(/not a plain name/)
      expect(() => e.stored('sites', 'name + 1')).toThrow(/not a plain name/)
      expect(() => e.indexedBy('x y')).toThrow(/not a plain name/)
    }
  })
})

describe.each(handleEngines(postgres))('dialect words on $engine', ({skip, open}) => {
  let ledger: HandleUnderTest
  beforeEach(async () => {
    if (skip === undefined) ledger = await open()
  })
  afterEach(async () => {
    if (skip === undefined) await ledger.close()
  })

  describe.skipIf(skip !== undefined)('', () => {
    it('unset: an optional filter left off or given, with @name and with ?', async () => {
      await ledger.handle.write(threeSites())
      const named = bothWays(
        (w) => `SELECT id FROM sites WHERE (${w.unset('@currency')} OR currency = @currency) ORDER BY id`,
      )
      const positional = bothWays((w) => `SELECT id FROM sites WHERE (${w.unset('?')} OR currency = ?) ORDER BY id`)
      const found = await ledger.handle.read(
        (function* () {
          return [
            yield* values<string>(named, {currency: null}),
            yield* values<string>(named, {currency: 'CHF'}),
            yield* values<string>(positional, [null, null]),
            yield* values<string>(positional, ['EUR', 'EUR']),
          ]
        })(),
      )
      expect(found).toEqual([
        ['berlin', 'paris', 'zurich'],
        ['zurich'],
        ['berlin', 'paris', 'zurich'],
        ['berlin', 'paris'],
      ])
    })

    it('limit: -1 is no limit, 0 and n are counts, with @name and with ? (bound once)', async () => {
      await ledger.handle.write(threeSites())
      const named = bothWays((w) => `SELECT id FROM sites ORDER BY id LIMIT ${w.limit('@limit')}`)
      const positional = bothWays((w) => `SELECT id FROM sites WHERE currency <> ? ORDER BY id LIMIT ${w.limit('?')}`)
      const found = await ledger.handle.read(
        (function* () {
          return [
            yield* values<string>(named, {limit: -1}),
            yield* values<string>(named, {limit: 0}),
            yield* values<string>(named, {limit: 2}),
            yield* values<string>(positional, ['GBP', -1]),
            yield* values<string>(positional, ['GBP', 1]),
          ]
        })(),
      )
      expect(found).toEqual([
        ['berlin', 'paris', 'zurich'],
        [],
        ['berlin', 'paris'],
        ['berlin', 'paris', 'zurich'],
        ['berlin'],
      ])
    })

    it('alias: a camelCase alias comes back as written', async () => {
      await ledger.handle.write(threeSites())
      const row = await ledger.handle.read(
        get(
          bothWays(
            (w) => `SELECT id AS ${w.alias('siteId')}, created_at AS ${w.alias('createdAt')} FROM sites WHERE id = @id`,
          ),
          {id: 'paris'},
        ),
      )
      expect(row).toEqual({siteId: 'paris', createdAt: T})
    })

    it('sumTrue: how many rows a condition holds for, NULL over none (as SUM), with @name and with ?', async () => {
      await ledger.handle.write(threeSites())
      const counts = bothWays(
        (w) => `SELECT ${w.sumTrue(`currency = 'EUR'`)} AS eur, ${w.sumTrue('currency = @currency')} AS chosen,
                  ${w.sumTrue("id LIKE 'x%'")} AS none FROM sites`,
      )
      const positional = bothWays((w) => `SELECT ${w.sumTrue('currency = ?')} AS n FROM sites WHERE id <> ?`)
      const empty = bothWays((w) => `SELECT ${w.sumTrue('1 = 1')} AS n FROM sites WHERE id = 'nowhere'`)
      const found = await ledger.handle.read(
        (function* () {
          return {
            counts: yield* get(counts, {currency: 'CHF'}),
            positional: yield* value<number>(positional, ['EUR', 'paris']),
            empty: yield* get(empty),
          }
        })(),
      )
      expect(found).toEqual({counts: {eur: 2, chosen: 1, none: 0}, positional: 1, empty: {n: null}})
    })

    it('stored: an upsert’s DO UPDATE reads the stored row’s column beside excluded’s', async () => {
      const upsert = bothWays(
        (w) => `INSERT INTO sites (id, name, currency, created_at, updated_at) VALUES (?, ?, ?, ?, ?)
                ON CONFLICT (id) DO UPDATE SET name = ${w.stored('sites', 'name')} || ' + ' || excluded.name,
                  updated_at = excluded.updated_at`,
      )
      const named = bothWays(
        (w) => `INSERT INTO sites (id, name, currency, created_at, updated_at) VALUES (@id, @name, 'EUR', @at, @at)
                ON CONFLICT (id) DO UPDATE SET name = ${w.stored('sites', 'name')} || ' + ' || excluded.name`,
      )
      await ledger.handle.write(
        (function* () {
          yield* run(upsert, ['berlin', 'one', 'EUR', T, T])
          yield* run(upsert, ['berlin', 'two', 'EUR', T, T])
          yield* run(named, {id: 'berlin', name: 'three', at: T})
        })(),
      )
      expect(await ledger.handle.read(value<string>('SELECT name FROM sites WHERE id = ?', ['berlin']))).toBe(
        'one + two + three',
      )
    })

    it('instr: where a part first starts, from 1, 0 when absent, case-sensitive, with ? and with @name', async () => {
      await ledger.handle.write(addSite('berlin', 'EUR', 'Berlin, berlin'))
      const positional = bothWays((w) => `SELECT ${w.instr('name', '?')} FROM sites WHERE id = ?`)
      const named = bothWays((w) => `SELECT ${w.instr('name', '@part')} AS at FROM sites WHERE id = @id`)
      const found = await ledger.handle.read(
        (function* () {
          return [
            yield* value<number>(positional, ['erlin', 'berlin']),
            yield* value<number>(positional, ['berlin', 'berlin']),
            yield* value<number>(positional, ['BERLIN', 'berlin']),
            (yield* get<{at: number}>(named, {part: ', ', id: 'berlin'}))?.at,
          ]
        })(),
      )
      expect(found).toEqual([2, 9, 0, 7])
    })

    it('inList: a list bound as one JSON parameter, by @name and by ?, of text and of integers', async () => {
      const found = await ledger.handle.write(
        (function* () {
          yield* threeSites()
          const quarantined = `INSERT INTO quarantine (provider, external_id, reason, detail, raw_json, source, created_at, updated_at)
                               VALUES ('p1', ?, 'awaiting_parent', '', '{}', 'pull', ?, ?) RETURNING id`
          const ids: number[] = []
          for (const ref of ['re_1', 're_2', 're_3']) ids.push((yield* value<number>(quarantined, [ref, T, T]))!)
          return {
            text: yield* values<string>(
              bothWays((w) => `SELECT id FROM sites WHERE id ${w.inList('text', '@ids')} ORDER BY id`),
              {ids: JSON.stringify(['zurich', 'berlin', 'nowhere'])},
            ),
            integers: yield* values<string>(
              bothWays((w) => `SELECT external_id FROM quarantine WHERE id ${w.inList('integer', '@ids')} ORDER BY id`),
              {ids: JSON.stringify([ids[2], ids[0], 999_999])},
            ),
            positional: yield* values<string>(
              bothWays(
                (w) =>
                  `SELECT external_id FROM quarantine WHERE provider = ? AND id ${w.inList('integer', '?')} ORDER BY id`,
              ),
              ['p1', JSON.stringify([ids[1]])],
            ),
          }
        })(),
      )
      expect(found).toEqual({text: ['berlin', 'zurich'], integers: ['re_1', 're_3'], positional: ['re_2']})
    })

    it('indexedBy: SQLite’s index hint, nothing on PostgreSQL; the rows are the same', async () => {
      await ledger.handle.write(
        (function* () {
          yield* addSite('berlin', 'EUR')
          yield* addCustomer('c2', 'gold')
          yield* addCustomer('c1', 'gold')
          yield* addCustomer('c3', null)
        })(),
      )
      const gold = await ledger.handle.read(
        values<string>(
          bothWays((w) => `SELECT id FROM customers${w.indexedBy('customers_segment')} WHERE segment = ? ORDER BY id`),
          ['gold'],
        ),
      )
      expect(gold).toEqual(['c1', 'c2'])
    })

    it('groupOrder: groups come out in key order, even where PostgreSQL would hash them', async () => {
      const names = Array.from({length: 60}, (_, k) => `n${String(k).padStart(2, '0')}`)
      await ledger.handle.write(
        (function* () {
          // Stored in reverse, two rows a name: a hash aggregate hands them out in neither order.
          for (const [k, name] of [...names].reverse().entries()) {
            yield* addSite(`a${k}`, 'EUR', name)
            yield* addSite(`b${k}`, 'CHF', name)
          }
        })(),
      )
      const grouped = await ledger.handle.write(
        (function* () {
          // PostgreSQL's planner would rather sort than hash a handful of rows: told not to, it hashes.
          if (ledger.db === undefined) yield* run('SET LOCAL enable_sort = off')
          return yield* all<{name: string; n: number}>(
            bothWays((w) => `SELECT name, count(*) AS n FROM sites GROUP BY name${w.groupOrder('name')}`),
          )
        })(),
      )
      expect(grouped).toEqual(names.map((name) => ({name, n: 2})))
    })
  })
})
