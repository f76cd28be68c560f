import {afterEach, beforeEach, describe, expect, it} from 'vitest'

import {appendAudit} from '../../src/services/audit.js'
import {tempDb, type TempDb} from './helpers.js'

let t: TempDb
beforeEach(() => {
  t = tempDb()
  const post = t.db.stmt(
    `INSERT INTO ledger_postings (txn_seq, txn_id, version, account, amount_minor, currency, provider, posted_at)
     VALUES (@seq, @txn, 1, @account, @amount, 'EUR', @provider, '2024-05-01T00:00:00Z')`,
  )
  t.db.write(() => {
    post.run({seq: 1, txn: 'p1:ch_1', account: 'customer:c1', amount: -500, provider: 'p1'})
    post.run({seq: 1, txn: 'p1:ch_1', account: 'clearing:p1', amount: 500, provider: 'p1'})
    post.run({seq: null, txn: 'invoice:i1', account: 'customer:c1', amount: 500, provider: null})
    post.run({seq: null, txn: 'invoice:i1', account: 'revenue:berlin', amount: -500, provider: null})
    appendAudit(t.db, {actor: 'admin', action: 'test', outcome: 'ok'})
  })
})
afterEach(() => t.cleanup())

const count = (table: string) => t.db.raw.prepare(`SELECT count(*) FROM ${table}`).pluck().get()

const balances = () =>
  Object.fromEntries(
    (
      t.db.raw.prepare('SELECT account, minor FROM ledger_balances ORDER BY account').all() as Array<{
        account: string
        minor: number
      }>
    ).map((r) => [r.account, r.minor]),
  )

describe('ledger balances', () => {
  it('sum every posting per account, in the statement that posts it', () => {
    expect(balances()).toEqual({'clearing:p1': 500, 'customer:c1': 0, 'revenue:berlin': -500})
  })

  it('a refused posting leaves the balances as they were', () => {
    expect(() =>
      t.db.write(() =>
        t.db.raw.exec(
          `INSERT INTO ledger_postings (txn_seq, txn_id, version, account, amount_minor, currency, provider, posted_at) VALUES (1, 'p1:ch_1', 1, 'clearing:p1', 500, 'EUR', 'p1', 'x')`,
        ),
      ),
    ).toThrow(/UNIQUE/)
    expect(balances()).toEqual({'clearing:p1': 500, 'customer:c1': 0, 'revenue:berlin': -500})
  })
})

describe('append-only tables', () => {
  it.each([
    ['UPDATE ledger_postings SET amount_minor = 1', /ledger_postings is append-only/],
    ['DELETE FROM ledger_postings', /ledger_postings is append-only/],
    ["DELETE FROM ledger_postings WHERE provider = 'p1'", /ledger_postings is append-only/],
    ["UPDATE audit_log SET actor = 'mallory'", /audit_log is append-only/],
    ['DELETE FROM audit_log', /audit_log is append-only/],
  ])('%s is refused', (sql, message) => {
    expect(() => t.db.write(() => t.db.raw.exec(sql))).toThrow(message)
    expect(count('ledger_postings')).toBe(4)
    expect(count('audit_log')).toBe(1)
  })

  it('posting the same (txn, version, account, currency) twice is refused: the ledger is idempotent by key', () => {
    expect(() =>
      t.db.write(() =>
        t.db.raw.exec(
          `INSERT INTO ledger_postings (txn_seq, txn_id, version, account, amount_minor, currency, provider, posted_at)
           VALUES (1, 'p1:ch_1', 1, 'clearing:p1', 500, 'EUR', 'p1', 'x')`,
        ),
      ),
    ).toThrow(/UNIQUE/)
  })

  it("only a purge of one provider, marked in ledger_purges, may delete that provider's postings", () => {
    t.db.write(() => {
      t.db.raw.exec("INSERT INTO ledger_purges VALUES ('p1')")
      t.db.raw.exec("DELETE FROM ledger_postings WHERE provider = 'p1'")
      t.db.raw.exec("DELETE FROM ledger_purges WHERE provider = 'p1'")
    })
    expect(t.db.raw.prepare('SELECT txn_id FROM ledger_postings ORDER BY id').pluck().all()).toEqual([
      'invoice:i1',
      'invoice:i1',
    ])
    // balances follow the purge: what is left is the invoice alone
    expect(balances()).toEqual({'clearing:p1': 0, 'customer:c1': 500, 'revenue:berlin': -500})
    // the marker does not open invoice postings
    expect(() =>
      t.db.write(() => {
        t.db.raw.exec("INSERT INTO ledger_purges VALUES ('p1')")
        t.db.raw.exec('DELETE FROM ledger_postings')
      }),
    ).toThrow(/append-only/)
    expect(count('ledger_postings')).toBe(2)
  })
})
