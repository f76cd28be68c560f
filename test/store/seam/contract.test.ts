import {setTimeout as delay} from 'node:timers/promises'

import fc from 'fast-check'
import {afterEach, beforeEach, describe, expect, it} from 'vitest'

import {dialect, list} from '../../../src/store/seam/dialect.js'
import {FETCH_SIZE} from '../../../src/store/seam/pg-store.js'
import type {Queryable, Store} from '../../../src/store/seam/store.js'
import {testPostgres} from '../../helpers/postgres.js'
import {engines, type Ledger} from './engines.js'

const postgres = await testPostgres()

const T = '2024-05-01T00:00:00.000Z'
const MAX = Number.MAX_SAFE_INTEGER // 2^53 - 1
const UNICODE = 'Zürich – 東京 🏔️ “quoted?”'
const ALL_BYTES = Buffer.from(Array.from({length: 256}, (_, i) => i))

const SITE = 'INSERT INTO sites (id, name, currency, created_at, updated_at) VALUES (?, ?, ?, ?, ?)'
const CUSTOMER = 'INSERT INTO customers (id, site, name, email, created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?)'
const POSTING = `INSERT INTO ledger_postings (txn_seq, txn_id, version, account, amount_minor, currency, provider, site, posted_at)
                 VALUES (?, ?, 1, ?, ?, 'EUR', 'p1', 'berlin', ?)`
const AUDIT = `INSERT INTO audit_log (at, actor, action, outcome, details_json, prev_hash, hash)
               VALUES (?, 'admin', 'test', 'ok', ?, ?, ?)`
const WEBHOOK = `INSERT INTO webhook_events (provider, dedup_key, received_at, committed_at, commit_ms, last_delivery_at, status,
                   summary, events_json, body, applied_json) VALUES ('p1', ?, ?, ?, 0, ?, 'applied', '', '[]', ?, '[]')`
const COUNTS = `SELECT (SELECT count(*) FROM sites) AS sites, (SELECT count(*) FROM customers) AS customers,
                       (SELECT count(*) FROM ledger_postings) AS postings, (SELECT count(*) FROM ledger_balances) AS balances,
                       (SELECT count(*) FROM audit_log) AS audit`
const NOTHING = {sites: 0, customers: 0, postings: 0, balances: 0, audit: 0}

const site = (q: Queryable, id = 'berlin') => q.run(SITE, [id, `Site ${id}`, 'EUR', T, T])
const customer = (q: Queryable, id: string) => q.run(CUSTOMER, [id, 'berlin', null, null, T, T])
/** What the value-for-value tests wrote: customers, posted amounts and webhook bodies, as read back. */
const written = (store: Store) =>
  store.read(async (q) => ({
    customers: await q.all('SELECT id, name, email FROM customers ORDER BY id'),
    postings: await q.all('SELECT amount_minor FROM ledger_postings ORDER BY id'),
    bodies: (await q.all<{body: Buffer}>('SELECT body FROM webhook_events ORDER BY id')).map((r) => [...r.body]),
  }))
const customers = (store: Store) =>
  store.read((q) => q.all<{id: string}>('SELECT id FROM customers ORDER BY id')).then((rows) => rows.map((r) => r.id))

describe.each(engines(postgres))('the store seam on $kind', ({kind, skip, open}) => {
  let ledger: Ledger
  let store: Store
  beforeEach(async () => {
    if (skip !== undefined) return
    ledger = await open()
    store = ledger.store
  })
  afterEach(async () => {
    if (skip === undefined) await ledger.close()
  })

  describe.skipIf(skip !== undefined)('', () => {
    it('reads back what it wrote, value for value: ? in literals, unicode, bytes, 2^53-1, sums, lists', async () => {
      const written = await store.write(async (q) => {
        const changes = [
          await q.run(
            `INSERT INTO sites (id, name, currency, created_at, updated_at) VALUES (?, 'what? it''s ?', ?, ?, ?)`,
            ['berlin', 'EUR', T, T],
          ),
          await q.run(CUSTOMER, ['c1', 'berlin', UNICODE, null, T, T]),
          await q.run(CUSTOMER, ['c2', 'berlin', 'two', 'two@example.com', T, T]),
          await q.run(POSTING, [1, 'p1:ch_1', 'customer:c1', BigInt(MAX), T]),
          await q.run(POSTING, [1, 'p1:ch_1', 'clearing:p1', -MAX, T]),
          await q.run(POSTING, [2, 'p1:ch_2', 'customer:c1', -1, T]),
          await q.run(WEBHOOK, ['e1', T, T, T, ALL_BYTES]),
          await q.run(WEBHOOK, ['e2', T, T, T, new Uint8Array([0, 63, 255])]),
          await q.run(AUDIT, [T, '{"note":"a ? in JSON"}', '0'.repeat(64), 'a'.repeat(64)]),
          await q.run('UPDATE customers SET email = ? WHERE site = ? AND email IS NULL', ['c1@example.com', 'berlin']),
          await q.run('UPDATE customers SET email = ? WHERE id = ?', ['x', 'nobody']),
        ]
        return changes.map((c) => c.changes)
      })
      expect(written).toEqual([1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 0])

      const {inList} = dialect(kind)
      const read = await store.read(async (q) => ({
        site: await q.get(`SELECT name AS "really?", currency FROM sites WHERE id = ? -- not a ? here`, ['berlin']),
        missing: await q.get('SELECT id FROM sites WHERE id = ?', ['nowhere']),
        customers: await q.all('SELECT id, name, email FROM customers ORDER BY id'),
        postings: await q.all('SELECT txn_seq, account, amount_minor FROM ledger_postings ORDER BY id'),
        balances: await q.all(
          "SELECT account, site, minor FROM ledger_balances WHERE site = 'berlin' ORDER BY account",
        ),
        totals: await q.get(
          'SELECT sum(amount_minor) AS total, count(*) AS n, max(amount_minor) AS top FROM ledger_postings',
        ),
        bodies: (await q.all<{body: Buffer}>('SELECT body FROM webhook_events ORDER BY id')).map((r) => [...r.body]),
        audit: await q.get('SELECT seq, details_json FROM audit_log'),
        listed: await q.all(`SELECT id FROM customers WHERE id ${inList('text')} ORDER BY id`, [list(['c2', 'c9'])]),
        seqs: await q.all(
          `SELECT DISTINCT txn_seq FROM ledger_postings WHERE txn_seq ${inList('integer')} ORDER BY txn_seq`,
          [list([2, 3])],
        ),
      }))
      expect(read).toEqual({
        site: {'really?': "what? it's ?", currency: 'EUR'},
        missing: undefined,
        customers: [
          {id: 'c1', name: UNICODE, email: 'c1@example.com'},
          {id: 'c2', name: 'two', email: 'two@example.com'},
        ],
        postings: [
          {txn_seq: 1, account: 'customer:c1', amount_minor: MAX},
          {txn_seq: 1, account: 'clearing:p1', amount_minor: -MAX},
          {txn_seq: 2, account: 'customer:c1', amount_minor: -1},
        ],
        balances: [
          {account: 'clearing:p1', site: 'berlin', minor: -MAX},
          {account: 'customer:c1', site: 'berlin', minor: MAX - 1},
        ],
        totals: {total: -1, n: 3, top: MAX},
        bodies: [[...ALL_BYTES], [0, 63, 255]],
        audit: {seq: 1, details_json: '{"note":"a ? in JSON"}'},
        listed: [{id: 'c2'}],
        seqs: [{txn_seq: 2}],
      })
      expect(
        Buffer.isBuffer((await store.read((q) => q.get<{body: unknown}>('SELECT body FROM webhook_events')))?.body),
      ).toBe(true)
    })

    it('refuses an integer beyond 2^53-1, naming its column, rather than round it', async () => {
      await store.write(async (q) => {
        await site(q)
        await q.run(POSTING, [1, 'p1:ch_1', 'customer:c1', 2n ** 53n, T])
        await q.run(POSTING, [2, 'p1:ch_2', 'customer:c1', BigInt(MAX), T])
      })
      await expect(store.read((q) => q.all('SELECT id, amount_minor FROM ledger_postings'))).rejects.toThrow(
        /column "amount_minor" holds 9007199254740992, beyond the exact range/,
      )
      await expect(store.read((q) => q.get('SELECT minor FROM ledger_balances'))).rejects.toThrow(
        /column "minor" holds 18014398509481983/,
      )
      const safe = await store.read(async (q) => {
        const rows: unknown[] = []
        for await (const row of q.iterate('SELECT amount_minor FROM ledger_postings WHERE txn_seq = 2')) rows.push(row)
        return rows
      })
      expect(safe).toEqual([{amount_minor: MAX}])
      await expect(
        store.read(async (q) => {
          for await (const _ of q.iterate('SELECT txn_seq, amount_minor AS big FROM ledger_postings ORDER BY id'));
        }),
      ).rejects.toThrow(/column "big"/)
    })

    it('rolls back everything when the callback throws, and re-throws its error as it is', async () => {
      const boom = new Error('boom')
      await expect(
        store.write(async (q) => {
          await site(q)
          await customer(q, 'c1')
          await q.run(POSTING, [1, 'p1:ch_1', 'customer:c1', 500, T])
          await q.run(POSTING, [1, 'p1:ch_1', 'clearing:p1', -500, T])
          await q.run(AUDIT, [T, '{}', '0'.repeat(64), 'a'.repeat(64)])
          expect(await q.get(COUNTS)).toEqual({sites: 1, customers: 1, postings: 2, balances: 2, audit: 1})
          throw boom
        }),
      ).rejects.toBe(boom)
      expect(await store.read((q) => q.get(COUNTS))).toEqual(NOTHING)
    })

    it('a nested write is a savepoint: its throw, caught, undoes only its part', async () => {
      const boom = new Error('inner')
      await store.write(async (q) => {
        await site(q)
        await expect(
          store.write(async (inner) => {
            await customer(inner, 'c1')
            await store.write((innermost) => customer(innermost, 'c1b'))
            throw boom
          }),
        ).rejects.toBe(boom)
        // A statement that fails inside a nested write: the savepoint, not the transaction, is lost.
        await expect(store.write((inner) => site(inner))).rejects.toThrow()
        await customer(q, 'c2')
        await store.write((inner) => customer(inner, 'c3'))
        // A read inside a write joins it and sees its rows.
        expect(await store.read((r) => r.get('SELECT count(*) AS n FROM customers'))).toEqual({n: 2})
      })
      expect(await customers(store)).toEqual(['c2', 'c3'])
    })

    it('a failed statement fails its transaction even when the callback catches it (as PostgreSQL does)', async () => {
      const outcome = store.write(async (q) => {
        await site(q)
        await site(q).catch(() => undefined) // a duplicate key, swallowed
        return 'resolved'
      })
      await expect(outcome).rejects.toThrow(/a statement of this transaction failed, so it can only roll back/)
      expect(await store.read((q) => q.get(COUNTS))).toEqual(NOTHING)
    })

    it('queued statements reach the server with what comes next, value for value, and are seen by it', async () => {
      const NASTY = `it's a \\ back'slash '' and a ? and $1 \\' end`
      const inside = await store.write(async (q) => {
        await q.queue(
          `INSERT INTO sites (id, name, currency, created_at, updated_at) VALUES (?, 'what? it''s $1', ?, ?, ?)`,
          ['berlin', 'EUR', T, T],
        )
        await q.queue(CUSTOMER, ['c1', 'berlin', UNICODE, NASTY, T, T])
        await q.queue(CUSTOMER, ['c2', 'berlin', null, '', T, T])
        await q.queue(POSTING, [1, 'p1:ch_1', 'customer:c1', BigInt(MAX), T])
        await q.queue(POSTING, [1, 'p1:ch_1', 'clearing:p1', -MAX, T])
        await q.queue(WEBHOOK, ['e1', T, T, T, ALL_BYTES])
        await q.queue(WEBHOOK, ['e2', T, T, T, new Uint8Array([0, 92, 39, 255])])
        await q.queue(
          "UPDATE customers SET name = ? WHERE id = ? AND name IS NULL AND '$1' = '$1' -- a comment ends it",
          ['two $1 ?', 'c2'],
        )
        await q.queue("UPDATE customers SET email = 'c1@example.com' WHERE id = 'c1' AND email = ?;  \n", [NASTY])
        return q.get(COUNTS)
      })
      expect(inside).toEqual({sites: 1, customers: 2, postings: 2, balances: 2, audit: 0})
      const read = {site: await store.read((q) => q.get('SELECT name FROM sites')), ...(await written(store))}
      expect(read).toEqual({
        site: {name: "what? it's $1"},
        customers: [
          {id: 'c1', name: UNICODE, email: 'c1@example.com'},
          {id: 'c2', name: 'two $1 ?', email: ''},
        ],
        postings: [{amount_minor: MAX}, {amount_minor: -MAX}],
        bodies: [[...ALL_BYTES], [0, 92, 39, 255]],
      })
    })

    it('copied rows reach the server with what comes next, value for value: tabs, newlines, backslashes, bytes', async () => {
      // Every character COPY's text format gives a meaning to, and what a literal would: \N, \., \t as text.
      const NASTY = 'a\tb\nc\rd \\ e \\N \\. \\t\n\\.\n it\'s "q" $1 ?'
      const inside = await store.write(async (q) => {
        await site(q)
        await q.copy(
          'customers',
          ['id', 'site', 'name', 'email', 'created_at', 'updated_at'],
          ['c1', 'berlin', NASTY, null, T, T, 'c2', 'berlin', UNICODE, '', T, T, 'c3', 'berlin', '\\N', '\\', T, T],
        )
        await q.copy(
          'ledger_postings',
          ['txn_seq', 'txn_id', 'version', 'account', 'amount_minor', 'currency', 'provider', 'site', 'posted_at'],
          [1, 'p1:ch_1', 1, 'customer:c1', BigInt(MAX), 'EUR', 'p1', 'berlin', T],
        )
        await q.copy(
          'ledger_postings',
          ['txn_seq', 'txn_id', 'version', 'account', 'amount_minor', 'currency', 'provider', 'site', 'posted_at'],
          [1, 'p1:ch_1', 1, 'clearing:p1', -MAX, 'EUR', 'p1', 'berlin', T],
        )
        const webhook = ['provider', 'dedup_key', 'received_at', 'committed_at', 'commit_ms', 'last_delivery_at']
        await q.copy(
          'webhook_events',
          [...webhook, 'status', 'summary', 'events_json', 'body', 'applied_json'],
          [
            ...['p1', 'e1', T, T, 0, T, 'applied', '', '[]', ALL_BYTES, '[]'],
            ...['p1', 'e2', T, T, 0, T, 'applied', '', '[]', new Uint8Array([0, 92, 9, 10, 255]), '[]'],
          ],
        )
        return q.get(COUNTS)
      })
      expect(inside).toEqual({sites: 1, customers: 3, postings: 2, balances: 2, audit: 0})
      const read = {
        ...(await written(store)),
        balances: await store.read((q) => q.all('SELECT account, minor FROM ledger_balances ORDER BY account')),
      }
      expect(read).toEqual({
        customers: [
          {id: 'c1', name: NASTY, email: null},
          {id: 'c2', name: UNICODE, email: ''},
          {id: 'c3', name: '\\N', email: '\\'},
        ],
        postings: [{amount_minor: MAX}, {amount_minor: -MAX}],
        // The balance trigger saw the copied postings.
        balances: [
          {account: 'clearing:p1', minor: -MAX},
          {account: 'customer:c1', minor: MAX},
        ],
        bodies: [[...ALL_BYTES], [0, 92, 9, 10, 255]],
      })
    })

    it('copied rows read back exactly whatever their text (property: any Unicode but NUL, which text cannot hold)', async () => {
      await store.write((q) => site(q))
      let n = 0
      await fc.assert(
        fc.asyncProperty(
          fc.array(
            fc.option(
              fc.string({unit: 'binary'}).map((s) => s.replaceAll('\0', '')),
              {nil: null},
            ),
            {
              minLength: 1,
              maxLength: 40,
            },
          ),
          async (names) => {
            const ids = names.map(() => `c${++n}`)
            await store.write((q) =>
              q.copy(
                'customers',
                ['id', 'site', 'name', 'created_at', 'updated_at'],
                names.flatMap((name, i) => [ids[i]!, 'berlin', name, T, T]),
              ),
            )
            const read = await store.read((q) =>
              q.all<{id: string; name: string | null}>('SELECT id, name FROM customers'),
            )
            const stored = new Map(read.map((r) => [r.id, r.name]))
            expect(ids.map((id) => stored.get(id))).toEqual(names)
          },
        ),
        {numRuns: 60},
      )
    })

    it('copied rows that break a constraint fail the transaction; a failure before them leaves the connection usable', async () => {
      const columns = ['id', 'site', 'name', 'email', 'created_at', 'updated_at']
      // The second row's site does not exist: refused (by the statement that follows, or at once on SQLite).
      await expect(
        store.write(async (q) => {
          await site(q)
          await q.copy('customers', columns, ['c1', 'berlin', null, null, T, T, 'c2', 'nowhere', null, null, T, T])
          await q.get('SELECT 1 AS one')
        }),
      ).rejects.toThrow()
      // A queued statement before the COPY fails first: the server skips the COPY and drops the rows sent after it.
      await expect(
        store.write(async (q) => {
          await site(q)
          await q.queue(SITE, ['berlin', 'again', 'EUR', T, T])
          await q.copy('customers', columns, ['c1', 'berlin', null, null, T, T])
        }),
      ).rejects.toThrow()
      expect(await store.read((q) => q.get(COUNTS))).toEqual(NOTHING)
      // The same connections go on: the rows sent for the skipped COPY did not reach the next transaction.
      for (let i = 0; i < 3; i++) {
        await store.write(async (q) => {
          if (i === 0) await site(q)
          await q.copy('customers', columns, [`c${i}`, 'berlin', null, null, T, T])
        })
      }
      expect(await customers(store)).toEqual(['c0', 'c1', 'c2'])
      // Values that are not whole rows are refused before anything is sent.
      await expect(store.write((q) => q.copy('customers', columns, ['c9', 'berlin', null]))).rejects.toThrow(
        /3 values are not rows of 6/,
      )
    })

    it('a queued statement that fails fails what comes after it: its transaction, or only its savepoint', async () => {
      // Refused at the next statement (PostgreSQL) or at once (SQLite): either way the transaction rolls back.
      await expect(
        store.write(async (q) => {
          await site(q)
          await q.queue(SITE, ['berlin', 'again', 'EUR', T, T])
          await q.get('SELECT 1 AS one')
        }),
      ).rejects.toThrow()
      // Nothing after it: refused at the commit.
      await expect(
        store.write(async (q) => {
          await site(q)
          await q.queue(SITE, ['berlin', 'again', 'EUR', T, T])
        }),
      ).rejects.toThrow()
      expect(await store.read((q) => q.get(COUNTS))).toEqual(NOTHING)
      // In a savepoint: refused at its end, which its caller catches and goes on.
      await store.write(async (q) => {
        await site(q)
        await expect(
          store.write(async (inner) => {
            await inner.queue(CUSTOMER, ['c1', 'berlin', null, null, T, T])
            await inner.queue(SITE, ['berlin', 'again', 'EUR', T, T])
          }),
        ).rejects.toThrow()
        await customer(q, 'c2')
      })
      expect(await customers(store)).toEqual(['c2'])
    })

    it('refuses to write in a read, and a Queryable used after its transaction', async () => {
      await expect(store.read((q) => site(q))).rejects.toThrow()
      await expect(store.read(() => store.write((q) => site(q)))).rejects.toThrow(/a write cannot run inside a read/)
      let kept: Queryable | undefined
      await store.write(async (q) => {
        kept = q
      })
      await expect(kept!.get('SELECT 1 AS one')).rejects.toThrow(/after its transaction had ended/)
      expect(await store.read((q) => q.get(COUNTS))).toEqual(NOTHING)
    })

    it('two concurrent writes of one Store both commit (SQLite: one after the other, and reads wait)', async () => {
      await store.write((q) => site(q))
      const events: string[] = []
      const writer = (name: string) =>
        store.write(async (q) => {
          events.push(`${name} begins`)
          await customer(q, `${name}1`)
          await delay(30)
          await customer(q, `${name}2`)
          events.push(`${name} ends`)
        })
      const reader = delay(5).then(() =>
        store.read(async (q) => {
          events.push('read')
          return q.get<{n: number}>('SELECT count(*) AS n FROM customers')
        }),
      )
      const [, , seen] = await Promise.all([writer('a'), writer('b'), reader])
      expect(await customers(store)).toEqual(['a1', 'a2', 'b1', 'b2'])
      if (kind === 'sqlite') {
        expect(events).toEqual(['a begins', 'a ends', 'b begins', 'b ends', 'read'])
        expect(seen).toEqual({n: 4})
      } else {
        // A client each, side by side, in whatever order the pool hands them out: the read sees each write whole
        // or not at all.
        expect([0, 2, 4]).toContain(seen?.n)
      }
    })

    it("a read is one snapshot: another Store's commit in between is not seen inside it", async () => {
      await store.write((q) => site(q))
      const other = ledger.another()
      const count = 'SELECT count(*) AS n FROM customers'
      const seen = await store.read(async (q) => {
        const before = await q.get(count)
        await other.write((w) => customer(w, 'c1'))
        return [before, await q.get(count)]
      })
      expect(seen).toEqual([{n: 0}, {n: 0}])
      expect(await store.read((q) => q.get(count))).toEqual({n: 1})
    })

    it('iterate streams 10k rows without computing them ahead of the reader, and stops early', async () => {
      const rows = 10_000
      await store.write(async (q) => {
        await site(q)
        const {changes} = await q.run(
          `WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < ?)
           INSERT INTO customers (id, site, created_at, updated_at) SELECT 'c' || (100000 + i), 'berlin', ?, ? FROM n`,
          [rows, T, T],
        )
        expect(changes).toBe(rows)
      })
      const seen = await store.read(async (q) => {
        let n = 0
        let last = ''
        let atFirst = -1
        let atHalf = -1
        for await (const row of q.iterate<{id: string; probe: number}>(
          'SELECT id, seam_probe(id) AS probe FROM customers ORDER BY id',
        )) {
          if (n === 0) atFirst = await ledger.evaluated(q)
          if (n === rows / 2) atHalf = await ledger.evaluated(q)
          n++
          last = row.id
        }
        return {n, last, atFirst, atHalf, atEnd: await ledger.evaluated(q)}
      })
      expect(seen).toMatchObject({n: rows, last: `c${100000 + rows}`, atEnd: rows})
      // SQLite steps one row at a time; PostgreSQL fetches one batch at a time.
      const ahead = kind === 'sqlite' ? 1 : FETCH_SIZE
      expect(seen.atFirst).toBeGreaterThanOrEqual(1)
      expect(seen.atFirst).toBeLessThanOrEqual(ahead)
      expect(seen.atHalf).toBeLessThanOrEqual(rows / 2 + ahead)

      // Stopping early closes the statement (SQLite) or cursor: the same transaction can write again.
      await store.write(async (q) => {
        const firsts: string[] = []
        for await (const row of q.iterate<{id: string}>('SELECT id FROM customers WHERE id > ? ORDER BY id', [
          'c105000',
        ])) {
          firsts.push(row.id)
          if (firsts.length === 3) break
        }
        expect(firsts).toEqual(['c105001', 'c105002', 'c105003'])
        await customer(q, 'z')
      })
      expect(await store.read((q) => q.get('SELECT count(*) AS n FROM customers'))).toEqual({n: rows + 1})
    })
  })
})

describe.skipIf(postgres.skip !== undefined)('the store seam on postgres, several hosts', () => {
  let ledger: Ledger
  beforeEach(async () => {
    ledger = await engines(postgres)[1]!.open()
  })
  afterEach(() => ledger.close())

  it('two Stores (two pools, as two hosts) posting at once end with exact balances', async () => {
    const hosts = [ledger.store, ledger.another()]
    await hosts[0]!.write((q) => site(q))
    const perWriter = 25
    const writersPerHost = 3
    await Promise.all(
      hosts.flatMap((host, h) =>
        Array.from({length: writersPerHost}, async (_, w) => {
          for (let i = 0; i < perWriter; i++) {
            const seq = (h * writersPerHost + w) * perWriter + i + 1
            // Opposite account orders: every commit contends for both balance rows. A transaction's postings go in
            // one statement, as the ledger writes them: the trigger then takes the balance rows in key order.
            const [first, second] = seq % 2 ? ['customer:c1', 'clearing:p1'] : ['clearing:p1', 'customer:c1']
            await host.write((q) =>
              q.run(`${POSTING}, (?, ?, 1, ?, ?, 'EUR', 'p1', 'berlin', ?)`, [
                ...[seq, `p1:ch_${seq}`, first, seq, T],
                ...[seq, `p1:ch_${seq}`, second, -seq, T],
              ]),
            )
          }
        }),
      ),
    )
    const balances = await ledger.store.read((q) =>
      q.all('SELECT account, minor FROM ledger_balances ORDER BY account'),
    )
    const sums = await ledger.store.read((q) =>
      q.all('SELECT account, sum(amount_minor) AS minor FROM ledger_postings GROUP BY account ORDER BY account'),
    )
    expect(balances).toEqual(sums)
    const seqs = Array.from({length: hosts.length * writersPerHost * perWriter}, (_, i) => i + 1)
    const odd = seqs.reduce((sum, seq) => sum + (seq % 2 ? seq : -seq), 0)
    expect(balances).toEqual([
      {account: 'clearing:p1', minor: -odd},
      {account: 'customer:c1', minor: odd},
    ])
  })
})
