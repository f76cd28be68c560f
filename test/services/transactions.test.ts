import {afterEach, beforeEach, describe, expect, it} from 'vitest'

import {UsageError} from '../../src/core/errors.js'
import {listQuarantined, replayQuarantined} from '../../src/services/quarantine.js'
import {applyItems, serializeItems} from '../../src/services/sync/apply.js'
import type {ApplyScope} from '../../src/services/sync/scope.js'
import {listTransactions, showTransaction} from '../../src/services/transactions.js'
import {sqliteHandle} from '../../src/store/ops/ledger-handle.js'
import {addGrant, listGrants} from '../../src/store/repos/grants.js'
import {reportWorld, seedReference, txn, type ReportWorld} from './report-helpers.js'

let w: ReportWorld
beforeEach(() => {
  w = reportWorld()
  seedReference(w.db)
})
afterEach(() => w.cleanup())

/** Applies items exactly as a sync page does (same function, same transaction discipline). */
function apply(items: Array<ReturnType<typeof txn>>): void {
  const scope: ApplyScope = {
    provider: 'acme',
    kind: 'stripe',
    actor: 'tester',
    source: 'pull',
    grants: listGrants(w.db, 'acme'),
    latencySince: null,
    customers: new Map(),
  }
  w.db.write(() =>
    applyItems(
      w.db,
      scope,
      serializeItems(items.map((t) => ({txn: t, raw: {gateway: 'said', id: t.externalId, status: t.status}}))),
      [],
    ),
  )
}

describe('transactions list', () => {
  beforeEach(() => {
    apply([
      txn('ch_old', {occurredAt: '2026-02-01T09:00:00.000Z', updatedAt: '2026-02-01T09:00:00.000Z'}),
      txn('ch_usd', {
        customerRef: 'cus_2',
        amount: {minor: 250, currency: 'USD'},
        occurredAt: '2026-02-20T09:00:00Z',
        updatedAt: '2026-02-20T09:00:00Z',
      }),
      txn('ch_fail', {
        status: 'failed',
        failure: {code: 'card_declined', message: 'declined', decision: 'retry'},
        occurredAt: '2026-02-25T09:00:00.000Z',
        updatedAt: '2026-02-25T09:00:00.000Z',
      }),
      txn('re_1', {
        type: 'refund',
        parentExternalId: 'ch_old',
        customerRef: null,
        amount: {minor: 400, currency: 'EUR'},
        occurredAt: '2026-02-26T09:00:00.000Z',
        updatedAt: '2026-02-26T09:00:00.000Z',
      }),
    ])
  })

  it('lists newest first with amounts as {minor, currency}, customer and site resolved', () => {
    const list = listTransactions(w.db)
    expect(list.map((t) => t.id)).toEqual(['acme:re_1', 'acme:ch_fail', 'acme:ch_usd', 'acme:ch_old'])
    expect(list[2]).toEqual({
      id: 'acme:ch_usd',
      provider: 'acme',
      type: 'payment',
      status: 'succeeded',
      amount: {minor: 250, currency: 'USD'},
      customer: 'c2',
      site: 'boston',
      occurredAt: '2026-02-20T09:00:00Z',
      updatedAt: '2026-02-20T09:00:00Z',
    })
    // the refund inherited its payment's customer and site
    expect(list[0]).toMatchObject({customer: 'c1', site: 'berlin', type: 'refund'})
  })

  it('filters by site, customer, status, type, provider and since, and limits', () => {
    expect(listTransactions(w.db, {site: 'boston'}).map((t) => t.id)).toEqual(['acme:ch_usd'])
    expect(listTransactions(w.db, {customer: 'c1', type: 'payment'}).map((t) => t.id)).toEqual([
      'acme:ch_fail',
      'acme:ch_old',
    ])
    expect(listTransactions(w.db, {status: 'failed'}).map((t) => t.id)).toEqual(['acme:ch_fail'])
    expect(() => listTransactions(w.db, {provider: 'other'})).toThrow(/--provider other: unknown provider/)
    // --since in any ISO form, compared in UTC (10:00+01:00 = 09:00Z: inclusive)
    expect(listTransactions(w.db, {since: '2026-02-25T10:00:00+01:00'}).map((t) => t.id)).toEqual([
      'acme:re_1',
      'acme:ch_fail',
    ])
    expect(listTransactions(w.db, {since: '2026-02-20'}).map((t) => t.id)).toEqual([
      'acme:re_1',
      'acme:ch_fail',
      'acme:ch_usd',
    ])
    expect(listTransactions(w.db, {limit: 1}).map((t) => t.id)).toEqual(['acme:re_1'])
  })

  it('rejects a bad --since, --status, --type or --limit as usage errors', () => {
    expect(() => listTransactions(w.db, {since: 'yesterday'})).toThrow(UsageError)
    expect(() => listTransactions(w.db, {status: 'paid'})).toThrow(/--status "paid"/)
    expect(() => listTransactions(w.db, {type: 'charge'})).toThrow(/--type/)
    expect(() => listTransactions(w.db, {limit: 0})).toThrow(/--limit/)
  })
})

describe('transactions show', () => {
  it('shows normalized and raw forms, every posting version and state, in order', () => {
    apply([txn('ch_1', {status: 'pending', updatedAt: '2026-03-01T10:00:00.000Z'})])
    apply([
      txn('ch_1', {
        status: 'succeeded',
        fee: {minor: 30, currency: 'EUR'},
        net: {minor: 970, currency: 'EUR'},
        updatedAt: '2026-03-01T10:05:00.000Z',
      }),
    ])
    const d = showTransaction(w.db, 'acme:ch_1')
    expect(d.transaction).toMatchObject({id: 'acme:ch_1', status: 'succeeded', fee: {minor: 30, currency: 'EUR'}})
    expect(d.raw).toEqual({gateway: 'said', id: 'ch_1', status: 'succeeded'})
    expect(d.states.map((s) => [s.version, s.status, s.gatewayUpdatedAt, s.source])).toEqual([
      [1, 'pending', '2026-03-01T10:00:00.000Z', 'pull'],
      [2, 'succeeded', '2026-03-01T10:05:00.000Z', 'pull'],
    ])
    // postings balance per version and per currency; the customer account is credited 10.00 EUR in total
    for (const v of new Set(d.postings.map((p) => p.version))) {
      expect(d.postings.filter((p) => p.version === v).reduce((s, p) => s + p.amount.minor, 0)).toBe(0)
    }
    expect(d.postings.filter((p) => p.account === 'customer:c1').reduce((s, p) => s + p.amount.minor, 0)).toBe(-1000)
    expect(d.postings.every((p) => p.amount.currency === 'EUR' && typeof p.postedAt === 'string')).toBe(true)
  })

  it('includes the audit trail of the object (an access denial) and fails on unknown ids with how to list them', async () => {
    apply([txn('ch_vip', {customerRef: 'cus_3'})]) // c3 is in segment vip: no grant -> quarantined + audited
    expect(() => showTransaction(w.db, 'acme:ch_vip')).toThrow(UsageError) // quarantined, not in the ledger yet
    addGrant(w.db, {provider: 'acme', segment: 'vip', site: 'berlin', access: 'write'})
    const [item] = listQuarantined(w.db)
    expect(await replayQuarantined(sqliteHandle(w.db), w.ctx, {ids: [item!.id]})).toEqual({
      considered: 1,
      applied: 1,
      stillQuarantined: 0,
      notReplayable: 0,
    })
    const d = showTransaction(w.db, 'acme:ch_vip')
    expect(d.audit.map((a) => [a.action, a.outcome, a.subject])).toEqual([['access.denied', 'denied', 'acme:ch_vip']])
    expect(d.states).toEqual([expect.objectContaining({version: 1, source: 'replay'})])
    try {
      showTransaction(w.db, 'acme:nope')
      expect.unreachable()
    } catch (error) {
      expect(error).toBeInstanceOf(UsageError)
      expect((error as UsageError).exitCode).toBe(2)
      expect((error as UsageError).hint).toMatch(/yms-pay transactions list/)
    }
  })
})

describe('quarantine list and replay', () => {
  beforeEach(() => {
    apply([txn('ch_vip1', {customerRef: 'cus_3'}), txn('ch_ghost', {customerRef: 'cus_unknown'})])
    const scope: ApplyScope = {
      provider: 'acme',
      kind: 'stripe',
      actor: 'tester',
      source: 'pull',
      grants: listGrants(w.db, 'acme'),
      latencySince: null,
      customers: new Map(),
    }
    w.db.write(() =>
      applyItems(
        w.db,
        scope,
        [],
        [
          {
            externalId: 'ch_bad',
            reason: 'invalid_payload',
            detail: 'amount: expected integer',
            raw: {id: 'ch_bad', amount: 'ten'},
          },
        ],
      ),
    )
  })

  it('lists open items with reason and detail, raw only on request, filters by reason and status', () => {
    const items = listQuarantined(w.db)
    expect(items.map((q) => [q.externalId, q.reason]).sort()).toEqual([
      ['ch_bad', 'invalid_payload'],
      ['ch_ghost', 'unknown_customer'],
      ['ch_vip1', 'access_denied'],
    ])
    expect(items.every((q) => !('raw' in q) && q.status === 'open' && q.seenCount === 1 && q.source === 'pull')).toBe(
      true,
    )
    expect(listQuarantined(w.db, {reason: 'access_denied'}).map((q) => q.detail)).toEqual([
      expect.stringMatching(/no write grant for segment "vip"/),
    ])
    expect(listQuarantined(w.db, {reason: 'invalid_payload', raw: true})[0]!.raw).toEqual({id: 'ch_bad', amount: 'ten'})
    expect(listQuarantined(w.db, {status: 'replayed'})).toEqual([])
    expect(() => listQuarantined(w.db, {reason: 'bogus'})).toThrow(/--reason/)
  })

  it('replay needs --id or --all; --all applies what is fixable and reports the rest', async () => {
    await expect(replayQuarantined(sqliteHandle(w.db), w.ctx, {})).rejects.toThrow(/--id N \(repeatable\) or --all/)
    await expect(replayQuarantined(sqliteHandle(w.db), w.ctx, {ids: [1], all: true})).rejects.toThrow(UsageError)
    addGrant(w.db, {provider: 'acme', segment: 'vip', site: '*', access: 'write'})
    expect(await replayQuarantined(sqliteHandle(w.db), w.ctx, {all: true})).toEqual({
      considered: 3,
      applied: 1,
      stillQuarantined: 1,
      notReplayable: 1,
    })
    expect(listQuarantined(w.db, {status: 'replayed'}).map((q) => q.externalId)).toEqual(['ch_vip1'])
    expect(listQuarantined(w.db, {status: 'all'})).toHaveLength(3)
    expect(listTransactions(w.db).map((t) => t.id)).toEqual(['acme:ch_vip1'])
  })
})
