import {afterEach, beforeEach, describe, expect, it} from 'vitest'

import {PG_MIGRATIONS, runPgMigrations} from '../../../src/store/pg/migrations/index.js'
import {testPostgres} from '../../helpers/postgres.js'
import {bothStores, type BothStores} from './both-stores.js'

const postgres = await testPostgres()

const T = '2024-05-01T00:00:00.000Z'
const POST = `INSERT INTO ledger_postings (txn_seq, txn_id, version, account, amount_minor, currency, provider, site, posted_at) VALUES`
const row = (
  seq: number | null,
  txn: string,
  account: string,
  minor: string,
  provider: string | null,
  site: string | null,
) =>
  `(${seq ?? 'NULL'}, '${txn}', 1, '${account}', ${minor}, 'EUR', ${provider ? `'${provider}'` : 'NULL'}, ${site ? `'${site}'` : 'NULL'}, '${T}')`

// Near the top of bigint: a balance kept in a double would be off by hundreds; both stores must be exact.
const HUGE = '4611686018427387903' // 2^62 - 1

const BALANCES = 'SELECT account, currency, site, minor FROM ledger_balances ORDER BY account, currency, site'
const COUNTS = `SELECT (SELECT count(*) FROM ledger_postings) AS postings, (SELECT count(*) FROM audit_log) AS audit,
                       (SELECT count(*) FROM store_identity) AS identity, (SELECT store_id FROM store_identity) AS store`

describe.skipIf(postgres.skip !== undefined)('triggers: the same statements have the same effect', () => {
  let both: BothStores
  beforeEach(async () => {
    both = await bothStores(postgres)
    const statements = [
      `${POST} ${row(1, 'p1:ch_1', 'customer:c1', '-500', 'p1', 'berlin')}, ${row(1, 'p1:ch_1', 'clearing:p1', '500', 'p1', 'berlin')}`,
      `${POST} ${row(null, 'invoice:i1', 'customer:c1', '500', null, 'berlin')}`,
      `${POST} ${row(null, 'invoice:i1', 'revenue:berlin', '-500', null, 'berlin')}`,
      `${POST} ${row(2, 'p2:ch_2', 'clearing:p2', HUGE, 'p2', null)}, ${row(2, 'p2:ch_2', 'fees:p2', '-1', 'p2', null)}`,
      `${POST} ${row(3, 'p2:ch_3', 'clearing:p2', '-' + HUGE, 'p2', null)}, ${row(3, 'p2:ch_3', 'fees:p2', '-2', 'p2', null)}`,
      `INSERT INTO audit_log (seq, at, actor, action, outcome, details_json, prev_hash, hash)
       VALUES (1, '${T}', 'admin', 'test', 'ok', '{}', '${'0'.repeat(64)}', '${'1'.repeat(64)}')`,
    ]
    for (const sql of statements) expect(await both.run(sql)).toEqual({sqlite: 'ok', postgres: 'ok'})
  })
  afterEach(() => both.cleanup())

  it('postings keep ledger_balances, exact to the minor unit, per account, currency and site', async () => {
    const balances = await both.rows(BALANCES)
    expect(balances.postgres).toEqual(balances.sqlite)
    expect(balances.sqlite).toEqual([
      {account: 'clearing:p1', currency: 'EUR', site: 'berlin', minor: 500n},
      {account: 'clearing:p2', currency: 'EUR', site: '', minor: 0n},
      {account: 'customer:c1', currency: 'EUR', site: 'berlin', minor: 0n},
      {account: 'fees:p2', currency: 'EUR', site: '', minor: -3n},
      {account: 'revenue:berlin', currency: 'EUR', site: 'berlin', minor: -500n},
    ])
  })

  it('a refused posting leaves the balances as they were', async () => {
    const before = await both.rows(BALANCES)
    const duplicate = `${POST} ${row(9, 'p1:ch_9', 'clearing:p1', '7', 'p1', 'berlin')}, ${row(1, 'p1:ch_1', 'clearing:p1', '500', 'p1', 'berlin')}`
    expect(await both.run(duplicate)).toEqual({sqlite: 'unique', postgres: 'unique'})
    expect(await both.rows(BALANCES)).toEqual(before)
  })

  it.each([
    ['UPDATE ledger_postings SET amount_minor = 1', 'ledger_postings is append-only'],
    ['DELETE FROM ledger_postings', 'ledger_postings is append-only'],
    ["DELETE FROM ledger_postings WHERE provider = 'p1'", 'ledger_postings is append-only'],
    ["DELETE FROM ledger_postings WHERE txn_id = 'invoice:i1'", 'ledger_postings is append-only'],
    ["UPDATE audit_log SET actor = 'mallory'", 'audit_log is append-only'],
    ['DELETE FROM audit_log', 'audit_log is append-only'],
    [
      "UPDATE store_identity SET store_id = 'another-store'",
      'the store id never changes: keychain entries are named after it',
    ],
    ['DELETE FROM store_identity', 'the store id never changes: keychain entries are named after it'],
  ])('%s is refused, and nothing changes', async (sql, message) => {
    const before = {counts: await both.rows(COUNTS), balances: await both.rows(BALANCES)}
    expect(await both.run(sql)).toEqual({sqlite: `refused: ${message}`, postgres: `refused: ${message}`})
    expect({counts: await both.rows(COUNTS), balances: await both.rows(BALANCES)}).toEqual(before)
  })

  it.each([
    ['ledger_postings', 'ledger_postings is append-only'],
    ['audit_log', 'audit_log is append-only'],
    ['store_identity', 'the store id never changes: keychain entries are named after it'],
  ])('TRUNCATE %s is refused too (PostgreSQL only: it skips row triggers)', async (table, message) => {
    await expect(both.postgres.query(`TRUNCATE ${table} CASCADE`)).rejects.toThrow(message)
  })

  it("a purge marked in ledger_purges deletes one provider's postings and takes them out of the balances", async () => {
    for (const sql of [
      "INSERT INTO ledger_purges (provider) VALUES ('p1')",
      "DELETE FROM ledger_postings WHERE provider = 'p1'",
      "DELETE FROM ledger_purges WHERE provider = 'p1'",
    ]) {
      expect(await both.run(sql)).toEqual({sqlite: 'ok', postgres: 'ok'})
    }
    const balances = await both.rows(BALANCES)
    expect(balances.postgres).toEqual(balances.sqlite)
    expect(balances.sqlite).toContainEqual({account: 'clearing:p1', currency: 'EUR', site: 'berlin', minor: 0n})
    expect(balances.sqlite).toContainEqual({account: 'customer:c1', currency: 'EUR', site: 'berlin', minor: 500n})
    // Another provider's postings stay guarded while p1 is being purged.
    expect(await both.run("DELETE FROM ledger_postings WHERE provider = 'p2'")).toEqual({
      sqlite: 'refused: ledger_postings is append-only',
      postgres: 'refused: ledger_postings is append-only',
    })
  })

  it('concurrent postings from several connections add up exactly (PostgreSQL)', async () => {
    const database = await postgres.freshDatabase()
    const first = await database.connect()
    await runPgMigrations(first, PG_MIGRATIONS, database.name)
    const writers = [first, await database.connect(), await database.connect()]
    const perWriter = 60
    await Promise.all(
      writers.map(async (client, w) => {
        for (let i = 0; i < perWriter; i++) {
          // One transaction per pair, the accounts in opposite orders by writer: every commit contends for both
          // balance rows, and none may deadlock or lose an update.
          const seq = w * perWriter + i + 1
          const pair = [
            row(seq, `p1:ch_${seq}`, 'clearing:p1', '7', 'p1', 'berlin'),
            row(seq, `p1:ch_${seq}`, 'customer:c1', '-7', 'p1', 'berlin'),
          ]
          await client.query(`${POST} ${(w % 2 ? pair.reverse() : pair).join(', ')}`)
        }
      }),
    )
    const {rows} = await first.query(BALANCES)
    const total = BigInt(writers.length * perWriter * 7)
    expect(rows).toEqual([
      {account: 'clearing:p1', currency: 'EUR', site: 'berlin', minor: total},
      {account: 'customer:c1', currency: 'EUR', site: 'berlin', minor: -total},
    ])
  })
})
