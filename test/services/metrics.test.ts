import fc from 'fast-check'
import {afterEach, beforeEach, describe, expect, it} from 'vitest'

import type {GatewayCall} from '../../src/core/gateway-call.js'
import {getLifetimeTotals, getMetrics} from '../../src/services/metrics.js'
import {recordCalls, recordLatency} from '../../src/store/repos/sync-state.js'
import {insertWebhookEvent} from '../../src/store/repos/webhook-events.js'
import {reportWorld, seedReference, type ReportWorld} from './report-helpers.js'

let w: ReportWorld
beforeEach(() => {
  w = reportWorld('2026-03-02T00:00:00.000Z')
  seedReference(w.db)
})
afterEach(() => w.cleanup())

const NOW = Date.parse('2026-03-02T00:00:00.000Z')
const MIN = 60_000

function latency(provider: string, ms: number, committedAgoMs: number): void {
  const committed = NOW - committedAgoMs
  w.db.write(() =>
    recordLatency(w.db, {
      provider,
      txnId: `${provider}:x`,
      source: 'pull',
      eventAt: new Date(committed - ms).toISOString(),
      committedAt: new Date(committed).toISOString(),
    }),
  )
}

function call(provider: string, agoMs: number, outcome: GatewayCall['outcome'], status: number | null): GatewayCall {
  return {
    provider,
    endpoint: 'charges.list',
    method: 'GET',
    status,
    durationMs: 20,
    outcome,
    attempt: 1,
    at: NOW - agoMs,
  }
}

/** Sorting by hand: the reference the SQL-side ranking must reproduce. */
function nearestRankBrute(values: number[], p: number): number | null {
  const sorted = [...values].sort((a, b) => a - b)
  if (sorted.length === 0) return null
  const rank = Math.max(1, Math.ceil((p * sorted.length) / 100))
  return sorted[rank - 1]!
}

describe('metrics: sync latency', () => {
  it('p50/p95/p99 are exact nearest-rank values of the samples in the window (checked against a sort)', () => {
    fc.assert(
      fc.property(fc.array(fc.integer({min: 0, max: 100_000}), {minLength: 0, maxLength: 120}), (values) => {
        w.db.raw.exec('DELETE FROM sync_latency')
        values.forEach((v, i) => latency('acme', v, (i % 50) * MIN))
        const m = getMetrics(w.db, w.ctx, {window: '24h', provider: 'acme'}).providers[0]!
        expect(m.syncLatencyMs).toEqual({
          p50: nearestRankBrute(values, 50),
          p95: nearestRankBrute(values, 95),
          p99: nearestRankBrute(values, 99),
          count: values.length,
        })
      }),
      {numRuns: 40},
    )
  })

  it('counts only samples committed inside the window, per provider', () => {
    latency('acme', 100, 30 * MIN)
    latency('acme', 5_000, 2 * 60 * MIN) // outside a 1h window
    latency('gone', 7, 10 * MIN) // a removed connection still reports while it has data
    const m = getMetrics(w.db, w.ctx, {window: '1h'})
    expect(m.providers.map((p) => [p.provider, p.syncLatencyMs.count, p.syncLatencyMs.p99])).toEqual([
      ['acme', 1, 100],
      ['gone', 1, 7],
    ])
    expect(m).toMatchObject({window: '1h', from: '2026-03-01T23:00:00.000Z', to: '2026-03-02T00:00:00.000Z'})
    expect(getMetrics(w.db, w.ctx, {window: '24h', provider: 'acme'}).providers[0]!.syncLatencyMs).toEqual({
      p50: 100,
      p95: 5_000,
      p99: 5_000,
      count: 2,
    })
  })
})

describe('metrics: latency by source, webhook to ledger', () => {
  it('splits the samples by how the state arrived, and times webhook deliveries from receipt to commit', () => {
    const sample = (source: string, ms: number) =>
      w.db.write(() =>
        recordLatency(w.db, {
          provider: 'acme',
          txnId: 'acme:x',
          source,
          eventAt: new Date(NOW - MIN - ms).toISOString(),
          committedAt: new Date(NOW - MIN).toISOString(),
        }),
      )
    for (const ms of [20_000, 30_000, 40_000]) sample('pull', ms)
    for (const ms of [900, 1_100]) sample('webhook', ms)
    const delivery = (key: string, receivedAgoMs: number, commitMs: number) =>
      w.db.write(() =>
        insertWebhookEvent(w.db, {
          provider: 'acme',
          dedupKey: key,
          receivedAt: new Date(NOW - receivedAgoMs).toISOString(),
          committedAt: new Date(NOW - receivedAgoMs + commitMs).toISOString(),
          commitMs,
          status: 'applied',
          summary: '',
          eventsJson: '[]',
          body: Buffer.from('{}'),
          appliedJson: '{}',
          nextFetchAt: null,
        }),
      )
    delivery('e1', MIN, 3)
    delivery('e2', MIN, 7)
    delivery('e3', 2 * 60 * MIN, 500) // outside a 1h window
    const m = getMetrics(w.db, w.ctx, {window: '1h', provider: 'acme'}).providers[0]!
    expect(m.syncLatencyMs.count).toBe(5)
    expect(m.syncLatencyBySource).toEqual({
      pull: {p50: 30_000, p95: 40_000, p99: 40_000, count: 3},
      webhook: {p50: 900, p95: 1_100, p99: 1_100, count: 2},
    })
    expect(m.webhookToLedgerMs).toEqual({p50: 3, p95: 7, p99: 7, count: 2})
  })
})

describe('metrics: uptime, calls and errors', () => {
  it('uptime is up minutes over minutes with calls, from hand-built call rows', () => {
    w.db.write(() =>
      recordCalls(w.db, [
        call('acme', 50 * MIN, 'ok', 200), // up
        call('acme', 40 * MIN, 'timeout', null), // down minute: every call failed
        call('acme', 40 * MIN - 1_000, 'circuit_open', null),
        call('acme', 30 * MIN, 'http_error', 503), // a retried 503 ...
        call('acme', 30 * MIN - 2_000, 'ok', 200), // ... that then worked: up minute
        call('acme', 20 * MIN, 'rate_limited', 429), // down minute
        call('acme', 10 * MIN, 'http_error', 401), // the gateway answered: up
        call('acme', 25 * 60 * MIN, 'network_error', null), // outside 24h
      ]),
    )
    const m = getMetrics(w.db, w.ctx, {window: '24h', provider: 'acme'}).providers[0]!
    expect(m).toMatchObject({calls: 7, errors: 5, uptimePct: 60})
  })

  it('a provider without calls has null uptime and zero counts', () => {
    const m = getMetrics(w.db, w.ctx, {}).providers
    expect(m).toEqual([
      {
        provider: 'acme',
        syncLatencyMs: {p50: null, p95: null, p99: null, count: 0},
        syncLatencyBySource: {
          pull: {p50: null, p95: null, p99: null, count: 0},
          webhook: {p50: null, p95: null, p99: null, count: 0},
        },
        webhookToLedgerMs: {p50: null, p95: null, p99: null, count: 0},
        uptimePct: null,
        calls: 0,
        errors: 0,
        retry: {attempted: 0, recovered: 0, eligible: 0, pending: 0, successRate: null},
      },
    ])
  })

  it('lifetime counters cover all history for the Prometheus counters', () => {
    w.db.write(() =>
      recordCalls(w.db, [call('acme', MIN, 'ok', 200), call('acme', 100 * 24 * 60 * MIN, 'timeout', null)]),
    )
    latency('acme', 40, MIN)
    latency('acme', 60, 100 * 24 * 60 * MIN)
    expect(getLifetimeTotals(w.db).get('acme')).toEqual({calls: 2, errors: 1, latencyCount: 2, latencySumMs: 100})
  })

  it('rejects a bad window and an unknown provider without data', () => {
    expect(() => getMetrics(w.db, w.ctx, {window: 'a day'})).toThrow(/--window/)
    expect(() => getMetrics(w.db, w.ctx, {provider: 'nope'})).toThrow(/--provider nope/)
  })
})
