import {describe, expect, it} from 'vitest'

import {HeldRows} from '../../../src/store/ops/held-rows.js'
import type {HeldInsert} from '../../../src/store/ops/op.js'
import type {Queryable, SqlValue} from '../../../src/store/seam/store.js'

/** What a transaction was sent, statement by statement. */
function recorder(): {q: Queryable; sent: Array<{sql: string; params: readonly SqlValue[]}>} {
  const sent: Array<{sql: string; params: readonly SqlValue[]}> = []
  const q = {
    queue: async (sql: string, params: readonly SqlValue[] = []) => {
      sent.push({sql, params})
    },
    copy: async (table: string, columns: readonly string[], params: readonly SqlValue[]) => {
      sent.push({sql: `COPY ${table} (${columns.join(', ')})`, params})
    },
  } as unknown as Queryable
  return {q, sent}
}

const PARENT: HeldInsert = {head: 'INSERT INTO parent (id, name)', row: '(?, ?)', tail: ''}
const CHILD: HeldInsert = {head: 'INSERT INTO child (parent, n, at)', row: '(?, ?, ?)', tail: 'ON CONFLICT DO NOTHING'}
const COUNTER: HeldInsert = {
  head: 'INSERT INTO counter (k, n, first, last)',
  row: '(?, ?, ?, ?)',
  tail: {
    sqlite: 'ON CONFLICT (k) DO UPDATE SET n = n + excluded.n',
    postgres: 'ON CONFLICT (k) DO UPDATE SET n = counter.n + excluded.n',
  },
  merge: {
    key: (row) => String(row[0]),
    combine: (earlier, later) => [later[0], (earlier[1] as number) + (later[1] as number), earlier[2], later[3]],
  },
}

describe('rows held for a transaction (op.ts later)', () => {
  it('go as one statement per insert, the inserts in the order of their first rows', async () => {
    const held = new HeldRows('postgres')
    held.hold(PARENT, 1, [1, 'a'])
    held.hold(CHILD, 2, [1, 1, 't', 1, 2, 't'])
    held.hold(PARENT, 1, [2, 'b'])
    held.hold(CHILD, 1, [2, 1, 't'])
    const {q, sent} = recorder()
    await held.send(q)

    expect(sent).toEqual([
      {sql: 'INSERT INTO parent (id, name) VALUES (?, ?), (?, ?)', params: [1, 'a', 2, 'b']},
      {
        sql: 'INSERT INTO child (parent, n, at) VALUES (?, ?, ?), (?, ?, ?), (?, ?, ?) ON CONFLICT DO NOTHING',
        params: [1, 1, 't', 1, 2, 't', 2, 1, 't'],
      },
    ])
    // Sent once: the next send has nothing to say.
    await held.send(q)
    expect(sent).toHaveLength(2)
  })

  it('merge the rows of one conflict key into the row both would leave, spelled for the engine', async () => {
    const held = new HeldRows('postgres')
    held.hold(COUNTER, 1, ['x', 1, 't1', 't1'])
    held.hold(COUNTER, 1, ['y', 1, 't2', 't2'])
    held.hold(COUNTER, 1, ['x', 1, 't3', 't3'])
    const {q, sent} = recorder()
    await held.send(q)

    expect(sent).toEqual([
      {
        sql: 'INSERT INTO counter (k, n, first, last) VALUES (?, ?, ?, ?), (?, ?, ?, ?) ON CONFLICT (k) DO UPDATE SET n = counter.n + excluded.n',
        params: ['x', 2, 't1', 't3', 'y', 1, 't2', 't2'],
      },
    ])
  })

  it.each([
    ['sqlite', [1_000, 1_000, 500]],
    // Several pages commit together there: rows in statements of at most 100, so few distinct texts are kept.
    ['postgres', Array.from({length: 25}, () => 100)],
  ] as const)(
    'split an insert into statements of a few sizes on %s, in order, no row lost or repeated',
    async (engine, sizes) => {
      const held = new HeldRows(engine)
      const rows = 2_500
      for (let i = 0; i < rows; i++) held.hold(CHILD, 1, [i, i, 't'])
      const {q, sent} = recorder()
      await held.send(q)

      expect(sent.map((s) => s.params.length / 3)).toEqual(sizes)
      expect(sent.flatMap((s) => s.params.filter((_, i) => i % 3 === 0))).toEqual(
        Array.from({length: rows}, (_, i) => i),
      )
    },
  )

  it('split a wide insert within the server’s 65,535 values a statement', async () => {
    const width = 1_000
    const wide: HeldInsert = {
      head: `INSERT INTO wide (${Array.from({length: width}, (_, i) => `c${i}`).join(', ')})`,
      row: `(${Array.from({length: width}, () => '?').join(', ')})`,
      tail: '',
    }
    const held = new HeldRows('postgres')
    for (let i = 0; i < 100; i++)
      held.hold(
        wide,
        1,
        Array.from({length: width}, () => i),
      )
    const {q, sent} = recorder()
    await held.send(q)

    expect(sent.map((s) => s.params.length / width)).toEqual([65, 35])
    expect(sent.every((s) => s.params.length <= 65_535)).toBe(true)
  })

  it('are sent before a read that names a table they change, not before one that names none', () => {
    const held = new HeldRows('postgres')
    expect(held.readNeeds('SELECT * FROM parent')).toBe(false) // nothing held
    held.hold(PARENT, 1, [1, 'a'])
    held.hold({...CHILD, alsoChanges: ['child_totals']}, 1, [1, 1, 't'])
    expect(held.readNeeds('SELECT id FROM parent WHERE id = ?')).toBe(true)
    expect(held.readNeeds('SELECT p.id FROM other o JOIN "parent" p ON p.id = o.p')).toBe(true)
    expect(held.readNeeds('SELECT sum(n) FROM child_totals')).toBe(true) // changed by a trigger
    expect(held.readNeeds('SELECT * FROM parent_rules')).toBe(false) // a name that only begins the same
    expect(held.readNeeds('SELECT id, events FROM alert_targets')).toBe(false)
  })

  it('send the inserts others reference first, even when another insert was held before them', async () => {
    const held = new HeldRows('postgres')
    held.hold(CHILD, 1, [1, 2, 't']) // a state of a transaction already stored
    held.hold({...PARENT, referenced: true}, 1, [2, 'b'])
    held.hold(CHILD, 1, [2, 1, 't']) // a state of the new one: its parent must be there first
    const {q, sent} = recorder()
    await held.send(q)

    expect(sent.map((s) => s.sql.split(' VALUES')[0])).toEqual([PARENT.head, CHILD.head])
  })

  it('of an insert marked copy go by COPY on PostgreSQL, all in one, and as a statement with its tail on SQLite', async () => {
    const fresh: HeldInsert = {
      head: `INSERT INTO child (parent,
        n, at)`,
      row: '(?, ?, ?)',
      tail: 'ON CONFLICT DO NOTHING',
      copy: true,
    }
    const sent: Record<string, Array<{sql: string; params: readonly SqlValue[]}>> = {}
    for (const engine of ['postgres', 'sqlite'] as const) {
      const held = new HeldRows(engine)
      held.hold({...PARENT, referenced: true, copy: true}, 1, [1, 'a'])
      for (let i = 0; i < 250; i++) held.hold(fresh, 1, [1, i, 't'])
      const recorded = recorder()
      await held.send(recorded.q)
      sent[engine] = recorded.sent
    }

    expect(sent.postgres!.map((s) => [s.sql, s.params.length])).toEqual([
      ['COPY parent (id, name)', 2],
      ['COPY child (parent, n, at)', 750],
    ])
    expect(sent.postgres![1]!.params.filter((_, i) => i % 3 === 1)).toEqual(Array.from({length: 250}, (_, i) => i))
    expect(sent.sqlite!.map((s) => [s.sql.split(' VALUES')[0], s.sql.endsWith('ON CONFLICT DO NOTHING')])).toEqual([
      [PARENT.head, false],
      [fresh.head, true],
    ])
  })

  it('refuse an insert marked copy whose row is not one placeholder per column', async () => {
    const held = new HeldRows('postgres')
    held.hold({head: 'INSERT INTO child (parent, n, at)', row: "(?, ?, 'now')", tail: '', copy: true}, 1, [1, 2])
    await expect(held.send(recorder().q)).rejects.toThrow(/goes by COPY must be INSERT INTO <table> \(<columns>\)/)
  })
})
