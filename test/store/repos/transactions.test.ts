import fc from 'fast-check'
import {afterEach, beforeEach, describe, expect, it} from 'vitest'

import {
  isMerchantBooking,
  NormalizedTxnSchema,
  TXN_STATUSES,
  TXN_TYPES,
  type NormalizedTxn,
} from '../../../src/core/transaction.js'
import {getTxnState, storedTransactions, writeTxnVersion} from '../../../src/store/repos/transactions.js'
import {canonicalTxn, sameTxnState} from '../../../src/store/repos/txn-row.js'
import {tempDb, type TempDb} from '../helpers.js'

let t: TempDb
beforeEach(() => {
  t = tempDb()
  t.db.raw.exec(`INSERT INTO sites VALUES ('berlin', 'Berlin', 'EUR', 'DE', 'Europe/Berlin', 'x', 'x');
    INSERT INTO customers VALUES ('c1', 'berlin', 'gold', 'Ada', 'ada@example.test', 'x', 'x');`)
})
afterEach(() => t.cleanup())

const money = fc.record({minor: fc.integer({min: 0, max: 10 ** 12}), currency: fc.constantFrom('EUR', 'JPY', 'KWD')})
const iso = fc
  .integer({min: Date.parse('2020-01-01'), max: Date.parse('2030-01-01')})
  .map((ms) => new Date(ms).toISOString())
const text = fc.string({minLength: 1, maxLength: 12})
// Every field of the normalized shape, each in all its forms: null or not, metadata keys in any order.
const txnArb = fc
  .record({
    externalId: text,
    parentExternalId: fc.option(text, {nil: null}),
    type: fc.constantFrom(...TXN_TYPES),
    status: fc.constantFrom(...TXN_STATUSES),
    amount: money,
    fee: fc.option(money, {nil: null}),
    net: fc.option(money, {nil: null}),
    customerRef: fc.option(text, {nil: null}),
    invoiceRef: fc.option(text, {nil: null}),
    siteRef: fc.option(text, {nil: null}),
    failure: fc.option(
      fc.record({
        code: text,
        message: fc.string(),
        decision: fc.constantFrom('retry' as const, 'terminal' as const, 'unknown' as const),
      }),
      {nil: null},
    ),
    occurredAt: iso,
    updatedAt: iso,
    metadata: fc.dictionary(text, fc.string(), {maxKeys: 4}),
    negative: fc.boolean(),
  })
  .map(({negative, ...f}): NormalizedTxn => {
    // A merchant-level booking (fee, payout, adjustment) names no customer and may have a negative amount.
    const merchant = isMerchantBooking(f.type)
    const amount = merchant && negative ? {...f.amount, minor: 0 - f.amount.minor} : f.amount
    return NormalizedTxnSchema.parse({
      id: `p1:${f.externalId}`,
      provider: 'p1',
      kind: 'stripe',
      ...f,
      amount,
      customerRef: merchant ? null : f.customerRef,
    })
  })

const write = (txn: NormalizedTxn, version: number, seq: number | null) =>
  t.db.write(() =>
    writeTxnVersion(
      t.db,
      {
        txn,
        rawJson: '{}',
        rawSha256: 'a'.repeat(64),
        version,
        customerId: 'c1',
        siteId: 'berlin',
        source: 'pull',
        now: '2026-01-01T00:00:00.000Z',
      },
      seq,
    ),
  )

describe('transactions are stored as columns and read back as the same normalized state', () => {
  it('any state round-trips exactly, and a second version replaces it under the same seq', () => {
    fc.assert(
      fc.property(txnArb, txnArb, (first, next) => {
        t.db.raw.exec('DELETE FROM transaction_states; DELETE FROM transactions')
        const seq = write(first, 1, null)
        const stored = getTxnState(t.db, first.id)
        expect(stored?.txn).toEqual(canonicalTxn(first))
        expect(sameTxnState(stored!.txn, first)).toBe(true)
        const second = {...next, id: first.id, externalId: first.externalId}
        expect(write(second, 2, seq)).toBe(seq)
        const after = getTxnState(t.db, first.id)
        expect([after?.seq, after?.version, after?.txn]).toEqual([seq, 2, canonicalTxn(second)])
        expect(storedTransactions(t.db).map((s) => s.txn.id)).toEqual([first.id])
      }),
      {numRuns: 60},
    )
  })

  it('a state that differs in any field is not the same state; metadata order alone does not count', () => {
    const base = NormalizedTxnSchema.parse({
      id: 'p1:ch_1',
      provider: 'p1',
      kind: 'stripe',
      externalId: 'ch_1',
      parentExternalId: null,
      type: 'payment',
      status: 'succeeded',
      amount: {minor: 100, currency: 'EUR'},
      fee: null,
      net: null,
      customerRef: 'cus_1',
      invoiceRef: null,
      siteRef: null,
      failure: null,
      occurredAt: '2026-01-01T00:00:00.000Z',
      updatedAt: '2026-01-01T00:00:00.000Z',
      metadata: {a: '1', b: '2'},
    })
    expect(sameTxnState(base, {...base, metadata: {b: '2', a: '1'}})).toBe(true)
    expect(sameTxnState(base, {...base, fee: {minor: 3, currency: 'EUR'}})).toBe(false)
    expect(sameTxnState(base, {...base, metadata: {a: '1'}})).toBe(false)
    expect(sameTxnState(base, {...base, updatedAt: '2026-01-01T00:00:01.000Z'})).toBe(false)
  })
})
