import {afterEach, describe, expect, it} from 'vitest'

import type {NormalizedTxn} from '../../../src/core/transaction.js'
import {buildTxn} from '../../../src/gateways/translate-kit.js'
import {applyItems, serializeItems, serializeSkipped} from '../../../src/services/sync/apply.js'
import {commitPage} from '../../../src/services/sync/commit-page.js'
import {replayQuarantine} from '../../../src/services/sync/replay.js'
import {listSkippedItems} from '../../../src/services/sync/skipped.js'
import {upsertCustomers} from '../../../src/store/repos/customers.js'
import {postingsFor} from '../../../src/store/repos/ledger.js'
import {listQuarantine} from '../../../src/store/repos/quarantine.js'
import {startRun} from '../../../src/store/repos/sync-state.js'
import {getTxnState} from '../../../src/store/repos/transactions.js'
import {accountSums, applyPage, ledgerWorld, PROVIDER, scope, tableCounts, txn} from './ledger-world.js'

let w: ReturnType<typeof ledgerWorld>
afterEach(() => w?.close())

const eur = (minor: number) => ({minor, currency: 'EUR'})
const open = () => listQuarantine(w.db, {status: 'open'}).map((q) => [q.externalId, q.reason])
const payment = (id: string, over: Partial<NormalizedTxn> = {}) =>
  txn({
    externalId: id,
    type: 'payment',
    status: 'succeeded',
    amount: eur(10_000),
    fee: eur(300),
    customerRef: 'cus_1',
    ...over,
  })
const refund = (id: string, parent: string, over: Partial<NormalizedTxn> = {}) =>
  txn({externalId: id, type: 'refund', status: 'succeeded', amount: eur(4_000), parentExternalId: parent, ...over})

describe('merchant-level bookings through the apply path', () => {
  const booking = (
    id: string,
    type: 'fee' | 'payout' | 'adjustment',
    minor: number,
    over: Partial<NormalizedTxn> = {},
  ) => txn({externalId: id, type, status: 'succeeded', amount: eur(minor), metadata: {yms_booking: type}, ...over})

  it('post to the merchant side without a customer, a site or a grant, and are never quarantined', () => {
    w = ledgerWorld({grant: false})
    const counts = applyPage(
      w.db,
      [
        booking('fee_1', 'fee', 120, {parentExternalId: 'ch_unknown'}),
        booking('po_1', 'payout', 50_000),
        booking('bt_1a', 'adjustment', -2_000),
        booking('bt_1b', 'adjustment', 2_000),
        booking('fee_2', 'fee', 80, {status: 'pending'}),
      ],
      scope([]),
    )
    expect(counts).toMatchObject({inserted: 5, quarantined: 0})
    expect(open()).toEqual([])
    expect(accountSums(w.db)).toEqual({
      'clearing:acme-stripe|EUR': -50_120,
      'fees:acme-stripe|EUR': 120,
      'payouts:acme-stripe|EUR': 50_000,
    })
    const fee = getTxnState(w.db, `${PROVIDER}:fee_1`)!
    expect([fee.customerId, fee.siteId, fee.txn.amount]).toEqual([null, null, eur(120)])
    expect(postingsFor(w.db, `${PROVIDER}:bt_1a`).map((p) => [p.account, p.minor, p.customer, p.site])).toEqual([
      ['clearing:acme-stripe', -2_000, null, null],
      ['adjustments:acme-stripe', 2_000, null, null],
    ])
    // Balances of merchant-level postings sit under site '' (no site), apart from every site's customers.
    const sites = w.db.raw.prepare(`SELECT DISTINCT site FROM ledger_balances`).pluck().all()
    expect(sites).toEqual([''])
  })

  it('a fee returned later (a new state with a negative amount) posts the difference', () => {
    w = ledgerWorld()
    applyPage(w.db, [booking('fee_3', 'fee', 500)])
    applyPage(w.db, [booking('fee_3', 'fee', -100)])
    expect(accountSums(w.db)).toEqual({'clearing:acme-stripe|EUR': 100, 'fees:acme-stripe|EUR': -100})
  })

  it('the schema refuses a merchant-level booking that names a customer, and a negative customer amount', () => {
    const build = (fields: Partial<NormalizedTxn>) =>
      buildTxn({provider: PROVIDER, kind: 'stripe'}, {}, 'x', () => ({
        externalId: 'x',
        parentExternalId: null,
        type: 'fee',
        status: 'succeeded',
        amount: eur(-5),
        occurredAt: '2026-01-01T00:00:00.000Z',
        ...fields,
      }))
    expect(build({}).ok).toBe(true)
    const named = build({customerRef: 'cus_1'})
    expect(named.ok ? null : [named.item.reason, named.item.detail]).toEqual([
      'invalid_payload',
      'customerRef: a fee booking names no customer',
    ])
    const negative = build({type: 'payment', customerRef: 'cus_1'})
    expect(negative.ok ? null : negative.item.detail).toBe('amount.minor: a payment amount is never negative')
  })
})

describe('fees booked with refunds', () => {
  it('a refund that returns part of the fee lowers fees and what clearing gives back', () => {
    w = ledgerWorld()
    applyPage(w.db, [payment('ch_1'), refund('re_1', 'ch_1', {fee: eur(-120)})])
    expect(accountSums(w.db)).toEqual({
      'clearing:acme-stripe|EUR': 9_700 - 4_000 + 120,
      'customer:c1|EUR': -6_000,
      'fees:acme-stripe|EUR': 300 - 120,
    })
  })
})

describe('no refund without its payment (awaiting_parent)', () => {
  it('a refund before its payment waits, credits nobody, and applies in the same commit as the payment', () => {
    w = ledgerWorld()
    expect(applyPage(w.db, [refund('re_2', 'ch_2', {customerRef: 'cus_1'})])).toMatchObject({quarantined: 1})
    expect(open()).toEqual([['re_2', 'awaiting_parent']])
    expect(listQuarantine(w.db, {status: 'open'})[0]!.detail).toBe(
      'payment ch_2 is not in the ledger yet; this applies together with it',
    )
    expect(accountSums(w.db)).toEqual({})
    expect(applyPage(w.db, [payment('ch_2')])).toMatchObject({inserted: 2, quarantined: 0})
    expect(open()).toEqual([])
    expect(listQuarantine(w.db, {status: 'resolved'}).map((q) => q.externalId)).toEqual(['re_2'])
    expect(accountSums(w.db)['customer:c1|EUR']).toBe(-6_000)
  })

  it('an invalid payment holds its refund (even one naming the customer); the payment read again fixed brings both', () => {
    w = ledgerWorld()
    const invalid = {
      externalId: 'ch_3',
      reason: 'invalid_payload' as const,
      detail: 'amount: expected number',
      raw: {id: 'ch_3', amount: '10000'},
    }
    w.db.write(() =>
      applyItems(w.db, scope(), serializeItems([{txn: refund('re_3', 'ch_3', {customerRef: 'cus_1'}), raw: {}}]), [
        invalid,
      ]),
    )
    expect(open()).toEqual([
      ['ch_3', 'invalid_payload'],
      ['re_3', 'awaiting_parent'],
    ])
    expect(listQuarantine(w.db, {status: 'open'})[1]!.detail).toContain('held in quarantine (invalid_payload)')
    expect(accountSums(w.db)).toEqual({}) // the customer is not credited a refund of a payment never debited
    // A replay cannot help (the payment never was a valid transaction); the next sync re-reads it, fixed.
    expect(replayQuarantine(w.db, w.ctx, {provider: PROVIDER})).toMatchObject({applied: 0, notReplayable: 1})
    applyPage(w.db, [payment('ch_3')])
    expect(open()).toEqual([])
    expect(accountSums(w.db)).toEqual({
      'clearing:acme-stripe|EUR': 5_700,
      'customer:c1|EUR': -6_000,
      'fees:acme-stripe|EUR': 300,
    })
  })

  it('a payment replayed by id (its customer imported meanwhile) brings its waiting refund and dispute along', () => {
    w = ledgerWorld()
    applyPage(w.db, [payment('ch_4', {customerRef: 'cus_new'})])
    applyPage(w.db, [
      refund('re_4', 'ch_4'),
      txn({externalId: 'dp_4', type: 'dispute', status: 'lost', amount: eur(6_000), parentExternalId: 'ch_4'}),
    ])
    expect(open()).toEqual([
      ['ch_4', 'unknown_customer'],
      ['re_4', 'awaiting_parent'],
      ['dp_4', 'awaiting_parent'],
    ])
    w.db.write(() => upsertCustomers(w.db, [{id: 'c9', site: 'berlin', segment: 'retail', refs: {stripe: 'cus_new'}}]))
    const parentId = listQuarantine(w.db, {status: 'open'})[0]!.id
    expect(replayQuarantine(w.db, w.ctx, {ids: [parentId]})).toMatchObject({considered: 1, applied: 3})
    expect(open()).toEqual([])
    // Paid 10 000, refunded 4 000, lost a 6 000 dispute: the customer's account is back at zero.
    expect(accountSums(w.db)['customer:c9|EUR']).toBeUndefined()
    expect(accountSums(w.db)['clearing:acme-stripe|EUR']).toBe(9_700 - 4_000 - 6_000)
  })

  it('a waiting refund newer than the copy a page carries applies in its newest state', () => {
    w = ledgerWorld()
    const pending = refund('re_5', 'ch_5', {status: 'pending'})
    const succeeded = refund('re_5', 'ch_5')
    applyPage(w.db, [succeeded])
    applyPage(w.db, [payment('ch_5'), pending])
    expect(getTxnState(w.db, `${PROVIDER}:re_5`)!.txn.status).toBe('succeeded')
    expect(accountSums(w.db)['customer:c1|EUR']).toBe(-6_000)
  })
})

describe('skipped objects (Page.skipped)', () => {
  const skipped = [
    {externalId: '7XK01', code: 'T1110', reason: 'a hold for a dispute moves no money', raw: {id: '7XK01'}},
    {externalId: null, code: 'T9999', reason: 'unknown_code', raw: {row: 12}},
  ]

  it('are counted in the page and the run, kept once per object, and listed with the reason', () => {
    w = ledgerWorld()
    const runId = w.db.write(() => startRun(w.db, PROVIDER, 'test'))
    const run = {runId, lease: {name: `sync:${PROVIDER}`, owner: 'test', ttlMs: 60_000}}
    const page = {items: [], invalid: [], skipped: serializeSkipped(skipped), next: {after: 'x'}}
    const counts = commitPage(w.db, scope(), run, {page, pageNo: 1, calls: []})
    expect(counts).toMatchObject({fetched: 2, skipped: 2, quarantined: 0})
    commitPage(w.db, scope(), run, {page, pageNo: 2, calls: []}) // the same page again (an overlapping window)
    expect(w.db.raw.prepare('SELECT skipped, fetched FROM sync_runs WHERE id = ?').get(runId)).toEqual({
      skipped: 4,
      fetched: 4,
    })
    expect(tableCounts(w.db).quarantine).toBe(0)
    const listed = listSkippedItems(w.db, {raw: true})
    expect(listed.map((s) => [s.externalId, s.code, s.reason, s.seenCount, s.raw])).toEqual([
      [null, 'T9999', 'unknown_code', 2, {row: 12}],
      ['7XK01', 'T1110', 'a hold for a dispute moves no money', 2, {id: '7XK01'}],
    ])
    expect(listSkippedItems(w.db, {reason: 'unknown_code'}).map((s) => s.code)).toEqual(['T9999'])
    expect(listSkippedItems(w.db, {code: 'T1110'})[0]).not.toHaveProperty('raw')
  })
})
