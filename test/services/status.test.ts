import {afterEach, beforeEach, describe, expect, it} from 'vitest'

import type {GatewayCall} from '../../src/core/gateway-call.js'
import {setRate} from '../../src/services/fx.js'
import {runReconcile} from '../../src/services/reconcile/run.js'
import {resolveReconcileException} from '../../src/services/reconcile/runs.js'
import {getStatus} from '../../src/services/status.js'
import {applyItems, serializeItems} from '../../src/services/sync/apply.js'
import type {ApplyScope} from '../../src/services/sync/scope.js'
import {listGrants} from '../../src/store/repos/grants.js'
import {insertProvider, updateProvider} from '../../src/store/repos/providers.js'
import {finishRun, recordCalls, startRun} from '../../src/store/repos/sync-state.js'
import {reportWorld, seedReference, txn, type ReportWorld} from './report-helpers.js'
import {sqliteHandle} from '../../src/store/ops/ledger-handle.js'

let w: ReportWorld
beforeEach(() => {
  w = reportWorld('2026-03-01T12:00:00.000Z')
  seedReference(w.db)
})
afterEach(() => w.cleanup())

const MIN = 60_000

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
  w.db.write(() => applyItems(w.db, scope, serializeItems(items.map((t) => ({txn: t, raw: {id: t.externalId}}))), []))
}

/** A sync run that starts now and finishes `durationMs` later on the shared clock. */
function run(provider: string, status: 'ok' | 'failed', error: string | null = null, durationMs = 5_000): void {
  const id = w.db.write(() => startRun(w.db, provider, 'test'))
  w.clock.advance(durationMs)
  finishRun(w.db, id, status, error)
}

function calls(
  provider: string,
  list: Array<[agoMs: number, outcome: GatewayCall['outcome'], status: number | null]>,
): void {
  const now = w.clock.now()
  w.db.write(() =>
    recordCalls(
      w.db,
      list.map(([ago, outcome, status]) => ({
        provider,
        endpoint: 'charges.list',
        method: 'GET' as const,
        status,
        durationMs: 10,
        outcome,
        attempt: 1,
        at: now - ago,
      })),
    ),
  )
}

describe('status', () => {
  it('a fresh home: providers unknown, sites with zero balances, nothing open', () => {
    const s = getStatus(w.db, w.ctx)
    expect(s.providers).toEqual([
      {
        id: 'acme',
        kind: 'stripe',
        enabled: true,
        health: 'unknown',
        uptimePctLastHour: null,
        lagMs: null,
        lastSync: null,
        lastError: null,
        failures24h: 0,
        quarantined: 0,
        pendingRetries: 0,
      },
    ])
    expect(s.sites.map((x) => [x.id, x.balances, x.totalInBase])).toEqual([
      ['berlin', [], {minor: 0, currency: 'EUR'}],
      ['boston', [], {minor: 0, currency: 'USD'}],
    ])
    expect(s).toMatchObject({at: '2026-03-01T12:00:00.000Z', quarantine: {open: 0, byReason: {}}})
  })

  it('health, lag, last sync, last error and failures in the last 24 h come from runs, calls and transactions', () => {
    insertProvider(w.db, {id: 'down-gw', kind: 'adyen'})
    insertProvider(w.db, {id: 'off', kind: 'square', enabled: false})
    w.clock.set('2026-02-28T06:00:00.000Z')
    run('acme', 'failed', 'old failure') // 30 h ago: not in failures24h, but still the last error
    w.clock.set('2026-03-01T09:00:00.000Z')
    run('acme', 'failed', 'acme api_key refused') // 3 h ago
    run('acme', 'ok', null, 60_000) // finished 10:00:05 + 60 s
    run('down-gw', 'ok')
    run('down-gw', 'failed', 'timed out')
    apply([txn('ch_late', {updatedAt: '2026-03-01T11:30:00.000Z'})]) // newer than the last successful sync (webhooks do this)
    w.clock.set('2026-03-01T12:00:00.000Z')
    calls('acme', [
      [50 * MIN, 'ok', 200],
      [10 * MIN, 'network_error', null],
      [5 * MIN, 'ok', 200],
      [1 * MIN, 'ok', 200],
    ])
    calls('down-gw', [
      [30 * MIN, 'timeout', null],
      [20 * MIN, 'circuit_open', null],
      [2 * 60 * MIN, 'ok', 200],
    ])
    const s = getStatus(w.db, w.ctx)
    const acme = s.providers.find((p) => p.id === 'acme')!
    expect(acme).toMatchObject({
      health: 'degraded',
      uptimePctLastHour: 75,
      failures24h: 1,
      lastSync: {status: 'ok', finishedAt: '2026-03-01T09:01:05.000Z'},
      lastError: {message: 'acme api_key refused'},
    })
    expect(acme.lagMs).toBe(30 * MIN) // from the transaction's gateway time, which is later than the sync
    const down = s.providers.find((p) => p.id === 'down-gw')!
    expect(down).toMatchObject({
      health: 'down',
      uptimePctLastHour: 0,
      failures24h: 1,
      lastError: {message: 'timed out'},
      lastSync: {status: 'failed'},
    })
    expect(s.providers.find((p) => p.id === 'off')!.health).toBe('disabled')
    updateProvider(w.db, 'acme', {enabled: true})
    calls('acme', [[30 * MIN, 'network_error', null]])
    run('acme', 'failed', 'still refused')
    expect(getStatus(w.db, w.ctx).providers.find((p) => p.id === 'acme')!.health).toBe('failing')
  })

  it('site balances per currency, converted to the base currency where a rate exists, "no rate" otherwise', () => {
    apply([
      txn('ch_eur', {amount: {minor: 1000, currency: 'EUR'}}),
      txn('ch_usd', {amount: {minor: 2000, currency: 'USD'}}), // a Berlin customer paying in USD
      txn('ch_bos', {customerRef: 'cus_2', amount: {minor: 500, currency: 'USD'}}),
      txn('ch_vip', {customerRef: 'cus_3'}), // no grant: quarantined, not in any balance
    ])
    let s = getStatus(w.db, w.ctx)
    const berlin = s.sites.find((x) => x.id === 'berlin')!
    expect(berlin.balances.map((b) => [b.minor, b.currency, b.inBase])).toEqual([
      [-1000, 'EUR', {minor: -1000, currency: 'EUR'}],
      [-2000, 'USD', null],
    ])
    expect(berlin).toMatchObject({totalInBase: null, missingRates: ['USD']})
    expect(s.sites.find((x) => x.id === 'boston')).toMatchObject({
      balances: [{minor: -500, currency: 'USD'}],
      totalInBase: {minor: -500, currency: 'USD'},
    })
    expect(s.quarantine).toEqual({open: 1, byReason: {access_denied: 1}})
    expect(s.providers[0]!.quarantined).toBe(1)

    setRate(w.db, w.ctx, {base: 'EUR', quote: 'USD', rate: '1.25', date: '2026-02-27'})
    s = getStatus(w.db, w.ctx)
    const converted = s.sites.find((x) => x.id === 'berlin')!
    expect(converted.balances[1]).toEqual({
      minor: -2000,
      currency: 'USD',
      inBase: {minor: -1600, currency: 'EUR'},
      rate: '0.8000000000',
      rateDate: '2026-02-27',
    })
    expect(converted).toMatchObject({totalInBase: {minor: -2600, currency: 'EUR'}, missingRates: []})
  })
})

describe('status: open reconcile exceptions', () => {
  it("counts the open exceptions of each site's latest run, and a resolved one no longer", async () => {
    expect(getStatus(w.db, w.ctx).exceptions).toEqual({open: 0, bySite: []})
    // Two Berlin payments that name no invoice (and there is none to match them to): two exceptions.
    apply([txn('ch_1', {amount: {minor: 1000, currency: 'EUR'}}), txn('ch_2', {amount: {minor: 700, currency: 'EUR'}})])
    const first = (await runReconcile(sqliteHandle(w.db), w.ctx, {site: 'berlin'})).result
    expect(first.open).toBe(2)
    expect(getStatus(w.db, w.ctx).exceptions).toEqual({open: 2, bySite: [{site: 'berlin', run: first.runId, open: 2}]})
    resolveReconcileException(w.db, w.ctx, first.exceptions[0]!.id, 'a deposit, booked by hand')
    const second = (await runReconcile(sqliteHandle(w.db), w.ctx, {site: 'berlin'})).result
    expect(getStatus(w.db, w.ctx).exceptions).toEqual({open: 1, bySite: [{site: 'berlin', run: second.runId, open: 1}]})
  })
})
