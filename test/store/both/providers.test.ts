import {afterEach, beforeEach, describe, expect, it} from 'vitest'

import {UsageError} from '../../../src/core/errors.js'
import type {GatewayCall} from '../../../src/core/gateway-call.js'
import {all, get, type Ops, run, value, values} from '../../../src/store/ops/op.js'
import {
  assertReferences,
  deleteProvider,
  getProvider,
  insertProvider,
  listProviders,
  providersForSite,
  updateProvider,
} from '../../../src/store/repos/providers.js'
import {
  callBuckets,
  failedRunsSince,
  freshness,
  latencyAtRanks,
  latencyCount,
  latestRuns,
  lifetimeTotals,
  providersWithActivity,
} from '../../../src/store/repos/reports.js'
import {
  addRunCounts,
  finishRun,
  loadCursor,
  markDeadRunFailed,
  previousRunStart,
  recordCalls,
  recordLatency,
  recordSkipped,
  saveCursor,
  startRun,
} from '../../../src/store/repos/sync-state.js'
import {testPostgres} from '../../helpers/postgres.js'
import {type HandleUnderTest, handleEngines} from '../ops/engines.js'

const postgres = await testPostgres()

const T0 = Date.parse('2024-05-01T10:00:00.000Z')
const iso = (ms: number) => new Date(ms).toISOString()
const BIG = Number.MAX_SAFE_INTEGER

// Byte order (SQLite's BINARY, PostgreSQL's COLLATE "C"): capitals, then lower case, then anything beyond ASCII.
const SITES = ['zebra', 'Ärhus', 'berlin', 'Zürich', 'Berlin']
const SITES_IN_BYTE_ORDER = ['Berlin', 'Zürich', 'berlin', 'zebra', 'Ärhus']

function* addSites(ids: readonly string[]): Ops<void> {
  for (const id of ids)
    yield* run('INSERT INTO sites (id, name, currency, created_at, updated_at) VALUES (?, ?, ?, ?, ?)', [
      id,
      `Site ${id}`,
      'EUR',
      iso(T0),
      iso(T0),
    ])
}

function* addTransaction(provider: string, externalId: string, updatedAt: string): Ops<void> {
  yield* run(
    `INSERT INTO transactions (id, provider, kind, external_id, type, status, amount_minor, currency, occurred_at,
       updated_at, version, raw_json, first_seen_at, last_seen_at)
     VALUES (?, ?, 'stripe', ?, 'payment', 'succeeded', ?, 'EUR', ?, ?, 1, '{}', ?, ?)`,
    [`${provider}:${externalId}`, provider, externalId, BIG, updatedAt, updatedAt, updatedAt, updatedAt],
  )
}

function call(at: string, over: Partial<GatewayCall> = {}): GatewayCall {
  return {
    provider: 'p1',
    endpoint: '/v1/charges',
    method: 'GET',
    status: 200,
    durationMs: 12.4,
    outcome: 'ok',
    attempt: 1,
    at: Date.parse(at),
    ...over,
  }
}

/** A latency sample as recordLatency writes one, for values no two dates are apart (2^53 ms). */
function* latency(provider: string, source: string, committedAt: string, ms: number): Ops<void> {
  yield* run(
    'INSERT INTO sync_latency (provider, txn_id, source, event_at, committed_at, latency_ms) VALUES (?, ?, ?, ?, ?, ?)',
    [provider, `${provider}:${committedAt}:${ms}`, source, committedAt, committedAt, ms],
  )
}

describe.each(handleEngines(postgres))('providers, sync state and reports on $engine', ({skip, open}) => {
  let ledger: HandleUnderTest
  const write = <T>(body: Ops<T>) => ledger.handle.write(body)
  const read = <T>(body: Ops<T>) => ledger.handle.read(body)
  beforeEach(async () => {
    if (skip === undefined) ledger = await open()
  })
  afterEach(async () => {
    if (skip === undefined) await ledger.close()
  })

  describe.skipIf(skip !== undefined)('', () => {
    describe('providers', () => {
      beforeEach(() => write(addSites(SITES)))

      it('inserts and reads back every field: unicode settings, big numbers, sites once each in byte order', async () => {
        const created = await write(
          insertProvider.ops({
            id: 'adyen-eu',
            kind: 'adyen',
            baseUrl: 'http://127.0.0.1:9/ünï',
            settings: {merchant_account: 'Yms€U', note: '"quoted" \\ 🙂'},
            enabled: false,
            retrySchedule: '5m,30m',
            maxRetries: BIG,
            sites: [...SITES, 'berlin'],
          }),
        )
        expect(created).toEqual({
          id: 'adyen-eu',
          kind: 'adyen',
          baseUrl: 'http://127.0.0.1:9/ünï',
          settings: {merchant_account: 'Yms€U', note: '"quoted" \\ 🙂'},
          enabled: false,
          fallback: null,
          retrySchedule: '5m,30m',
          maxRetries: BIG,
          sites: SITES_IN_BYTE_ORDER,
          createdAt: created.createdAt,
          updatedAt: created.createdAt,
        })
        expect(created.createdAt).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/)
        expect(await read(getProvider.ops('adyen-eu'))).toEqual(created)

        const plain = await write(insertProvider.ops({id: 'stripe', kind: 'stripe'}))
        expect(plain).toMatchObject({baseUrl: null, settings: {}, enabled: true, maxRetries: null, sites: []})
        expect(await read(getProvider.ops('nope'))).toBeNull()
      })

      it('lists providers in byte order of their ids, each with its sites; a site lists its providers', async () => {
        await write(
          (function* () {
            yield* insertProvider.ops({id: 'a_1', kind: 'stripe', sites: ['berlin']})
            yield* insertProvider.ops({id: 'Z', kind: 'adyen', sites: ['Ärhus', 'berlin']})
            yield* insertProvider.ops({id: 'a.b', kind: 'stripe'})
            yield* insertProvider.ops({id: 'A-1', kind: 'square', sites: ['Zürich']})
          })(),
        )
        const listed = await read(listProviders.ops())
        expect(listed.map((p) => [p.id, p.sites])).toEqual([
          ['A-1', ['Zürich']],
          ['Z', ['berlin', 'Ärhus']],
          ['a.b', []],
          ['a_1', ['berlin']],
        ])
        expect(await read(providersForSite.ops('berlin'))).toEqual(['Z', 'a_1'])
        expect(await read(providersForSite.ops('Berlin'))).toEqual([])
        expect(await write(deleteProvider.ops('Z'))).toBe(true)
        expect(await read(listProviders.ops())).toHaveLength(3)
      })

      it('refuses a second provider of the same id, an unknown site, an unknown or own fallback', async () => {
        await write(insertProvider.ops({id: 'p1', kind: 'stripe', sites: ['berlin']}))
        const refusals: Array<[Ops<unknown>, RegExp]> = [
          [insertProvider.ops({id: 'p1', kind: 'adyen'}), /provider "p1" already exists/],
          [insertProvider.ops({id: 'p2', kind: 'adyen', sites: ['berlin', 'BERLIN']}), /unknown site "BERLIN"/],
          [insertProvider.ops({id: 'p2', kind: 'adyen', fallback: 'P1'}), /unknown fallback provider "P1"/],
          [insertProvider.ops({id: 'p2', kind: 'adyen', fallback: 'p2'}), /cannot be its own fallback/],
          [insertProvider.ops({id: 'invoice', kind: 'adyen'}), /is not valid/],
          [assertReferences.ops('p1', {fallback: 'bad id'}), /--fallback "bad id" is not valid/],
          [updateProvider.ops('p1', {sites: ['nowhere']}), /unknown site "nowhere"/],
        ]
        for (const [body, message] of refusals) {
          const refused = write(body)
          await expect(refused).rejects.toThrow(message)
          await expect(refused).rejects.toBeInstanceOf(UsageError)
        }
        expect(await read(assertReferences.ops('p2', {sites: ['Ärhus'], fallback: 'p1'}))).toBeUndefined()
        expect((await read(listProviders.ops())).map((p) => p.id)).toEqual(['p1'])
      })

      it('a refused insert, caught inside a larger write, undoes only itself (a check, or the schema’s)', async () => {
        const caught = await write(
          (function* () {
            yield* insertProvider.ops({id: 'p1', kind: 'stripe', sites: ['berlin']})
            const messages: string[] = []
            for (const input of [
              {id: 'p1', kind: 'adyen', sites: ['zebra']},
              {id: 'p2', kind: 'adyen', sites: ['zebra'], maxRetries: -1}, // the table's CHECK refuses it
            ]) {
              try {
                yield* insertProvider.ops(input)
              } catch (error) {
                messages.push((error as Error).message)
              }
            }
            yield* insertProvider.ops({id: 'p3', kind: 'adyen', sites: ['zebra'], fallback: 'p1'})
            return messages
          })(),
        )
        expect(caught).toHaveLength(2)
        expect(caught[0]).toBe('provider "p1" already exists')
        expect((await read(listProviders.ops())).map((p) => [p.id, p.kind, p.sites, p.fallback])).toEqual([
          ['p1', 'stripe', ['berlin'], null],
          ['p3', 'adyen', ['zebra'], 'p1'],
        ])
      })

      it('updates only what changed, replaces the sites, and says which fields changed', async () => {
        const created = await write(
          insertProvider.ops({id: 'p1', kind: 'stripe', sites: ['berlin', 'zebra'], maxRetries: 3}),
        )
        await write(insertProvider.ops({id: 'p2', kind: 'stripe'}))
        const same = await write(updateProvider.ops('p1', {maxRetries: 3, sites: ['zebra', 'berlin', 'zebra']}))
        expect(same).toEqual({provider: created, changed: []})

        const updated = await write(
          updateProvider.ops('p1', {
            enabled: false,
            sites: ['Ärhus', 'Berlin', 'Ärhus'],
            baseUrl: 'http://127.0.0.1:9',
            fallback: 'p2',
            maxRetries: null,
            settings: {k: 'ü'},
          }),
        )
        expect(updated?.changed.sort()).toEqual(['baseUrl', 'enabled', 'fallback', 'maxRetries', 'settings', 'sites'])
        expect(updated?.provider).toMatchObject({
          enabled: false,
          sites: ['Berlin', 'Ärhus'],
          baseUrl: 'http://127.0.0.1:9',
          fallback: 'p2',
          maxRetries: null,
          settings: {k: 'ü'},
          createdAt: created.createdAt,
        })
        expect(updated!.provider.updatedAt > created.updatedAt).toBe(true)
        expect(await read(providersForSite.ops('zebra'))).toEqual([])
        expect(await read(providersForSite.ops('Ärhus'))).toEqual(['p1'])

        const cleared = await write(updateProvider.ops('p1', {baseUrl: null, fallback: null}))
        expect(cleared?.changed.sort()).toEqual(['baseUrl', 'fallback'])
        expect(cleared?.provider).toMatchObject({baseUrl: null, fallback: null, sites: ['Berlin', 'Ärhus']})
        expect(await write(updateProvider.ops('nope', {enabled: true}))).toBeNull()
      })

      it('deletes a provider with its sites; another falling back to it loses the fallback', async () => {
        await write(
          (function* () {
            yield* insertProvider.ops({id: 'p1', kind: 'stripe', sites: ['berlin']})
            yield* insertProvider.ops({id: 'p2', kind: 'adyen', sites: ['berlin'], fallback: 'p1'})
          })(),
        )
        expect(await write(deleteProvider.ops('p1'))).toBe(true)
        expect(await write(deleteProvider.ops('p1'))).toBe(false)
        expect(await read(getProvider.ops('p2'))).toMatchObject({fallback: null, sites: ['berlin']})
        expect(await read(values<string>('SELECT provider FROM provider_sites ORDER BY provider'))).toEqual(['p2'])
      })
    })

    describe('sync state', () => {
      it('keeps one cursor per provider, replaced on save', async () => {
        expect(await read(loadCursor.ops('p1'))).toBeNull()
        await write(saveCursor.ops('p1', {after: 'ch_1', n: BIG, label: 'Zürich ✓', nested: {a: [1, null]}}))
        await write(saveCursor.ops('p2', {}))
        await write(saveCursor.ops('p1', {after: 'ch_2'}))
        expect(await read(loadCursor.ops('p1'))).toEqual({after: 'ch_2'})
        expect(await read(loadCursor.ops('p2'))).toEqual({})
        expect(await read(value<number>('SELECT count(*) FROM sync_cursors'))).toBe(2)
      })

      it('logs gateway calls and latency samples, rounding durations and clamping negatives to 0', async () => {
        await write(
          recordCalls.ops([
            call('2024-05-01T10:00:00.000Z', {durationMs: 1.5}),
            call('2024-05-01T10:00:01.000Z', {status: null, outcome: 'timeout', durationMs: -3, attempt: 2}),
            call('2024-05-01T10:00:02.000Z', {durationMs: BIG}),
          ]),
        )
        await write(recordCalls.ops([]))
        expect(
          await read(all('SELECT status, outcome, duration_ms, attempt, at FROM gateway_calls ORDER BY id')),
        ).toEqual([
          {status: 200, outcome: 'ok', duration_ms: 2, attempt: 1, at: '2024-05-01T10:00:00.000Z'},
          {status: null, outcome: 'timeout', duration_ms: 0, attempt: 2, at: '2024-05-01T10:00:01.000Z'},
          {status: 200, outcome: 'ok', duration_ms: BIG, attempt: 1, at: '2024-05-01T10:00:02.000Z'},
        ])
        await write(
          recordLatency.ops({
            provider: 'p1',
            txnId: 'p1:ch_1',
            source: 'pull',
            eventAt: '2024-05-01T10:00:00.000Z',
            committedAt: '2024-05-01T10:00:02.500Z',
          }),
        )
        await write(
          recordLatency.ops({
            provider: 'p1',
            txnId: 'p1:ch_2',
            source: 'webhook',
            eventAt: '2024-05-01T10:00:05.000Z',
            committedAt: '2024-05-01T10:00:04.000Z',
          }),
        )
        expect(await read(values<number>('SELECT latency_ms FROM sync_latency ORDER BY id'))).toEqual([2500, 0])
      })

      it('numbers runs, adds their counts, finishes them, and knows the previous successful start', async () => {
        const counts = {
          pages: 1,
          fetched: 2,
          inserted: 3,
          updated: 4,
          unchanged: 5,
          quarantined: 6,
          skipped: 7,
          posted: 8,
        }
        const [first, second] = await write(
          (function* () {
            return [yield* startRun.ops('p1', 'host:1'), yield* startRun.ops('p1', 'host:2')]
          })(),
        )
        expect(typeof first).toBe('number')
        expect(second).toBeGreaterThan(first!)
        expect(await read(previousRunStart.ops('p1'))).toBeNull()

        await write(addRunCounts.ops(first!, counts))
        await write(addRunCounts.ops(first!, {...counts, posted: BIG - 8}))
        await write(addRunCounts.ops(9999, counts))
        expect(
          await read(
            get(
              'SELECT pages, fetched, inserted, updated, unchanged, quarantined, skipped, posted FROM sync_runs WHERE id = ?',
              [first],
            ),
          ),
        ).toEqual({
          pages: 2,
          fetched: 4,
          inserted: 6,
          updated: 8,
          unchanged: 10,
          quarantined: 12,
          skipped: 14,
          posted: BIG,
        })

        await write(finishRun.ops(first!, 'ok', null))
        await write(finishRun.ops(second!, 'failed', 'gateway said “no” 🙅'))
        const runs = await read(all('SELECT id, status, started_at, finished_at, error FROM sync_runs ORDER BY id'))
        expect(runs).toMatchObject([
          {id: first, status: 'ok', error: null},
          {id: second, status: 'failed', error: 'gateway said “no” 🙅'},
        ])
        const started = runs.map((r) => r.started_at as string)
        expect(await read(previousRunStart.ops('p1'))).toBe(started[0])
        expect(await read(previousRunStart.ops('p2'))).toBeNull()
      })

      it('records a run skipped for the lock, started and finished at the clock’s two readings', async () => {
        await write(recordSkipped.ops('p1', 'host:1'))
        const row = await read(
          get<{status: string; started_at: string; finished_at: string}>('SELECT * FROM sync_runs'),
        )
        expect(row?.status).toBe('skipped_locked')
        expect(Date.parse(row!.finished_at) - Date.parse(row!.started_at)).toBe(1000)
      })

      it('closes only the dead owner’s running runs of that provider as failed, saying why', async () => {
        const ids = await write(
          (function* () {
            const made: number[] = []
            for (const [provider, owner] of [
              ['p1', 'dead'],
              ['p1', 'alive'],
              ['p2', 'dead'],
              ['p1', 'dead'],
            ] as const)
              made.push(yield* startRun.ops(provider, owner))
            yield* finishRun.ops(made[3]!, 'ok', null)
            return made
          })(),
        )
        await write(markDeadRunFailed.ops('p1', 'dead'))
        const rows = await read(
          all<{id: number; status: string; error: string | null}>(
            'SELECT id, status, error FROM sync_runs ORDER BY id',
          ),
        )
        expect(rows.map((r) => [r.id, r.status])).toEqual([
          [ids[0], 'failed'],
          [ids[1], 'running'],
          [ids[2], 'running'],
          [ids[3], 'ok'],
        ])
        expect(rows[0]?.error).toBe('the process holding the run (dead) died mid-run; its lease was taken over')
      })
    })

    describe('reports', () => {
      const window = {since: '2024-05-01T10:00:00.000Z', until: '2024-05-01T11:00:00.000Z'}

      it('lists the providers active in [since, until), once each, in byte order', async () => {
        await write(
          (function* () {
            yield* latency('b', 'pull', '2024-05-01T10:00:00.000Z', 5) // at since: in
            yield* latency('a', 'pull', '2024-05-01T11:00:00.000Z', 5) // at until: out
            yield* recordCalls.ops([
              call('2024-05-01T10:59:59.999Z', {provider: 'b'}),
              call('2024-05-01T10:30:00.000Z', {provider: 'B'}),
              call('2024-05-01T09:59:59.999Z', {provider: 'c'}),
            ])
          })(),
        )
        expect(await read(providersWithActivity.ops(window))).toEqual(['B', 'b'])
        expect(await read(providersWithActivity.ops({since: window.until, until: window.until}))).toEqual([])
      })

      it('counts latency samples and reads values at ranks, ties by id, filtered by source or not', async () => {
        await write(
          (function* () {
            for (const [source, at, ms] of [
              ['pull', '2024-05-01T10:10:00.000Z', 300],
              ['webhook', '2024-05-01T10:11:00.000Z', 100],
              ['pull', '2024-05-01T10:12:00.000Z', 100],
              ['webhook', '2024-05-01T10:13:00.000Z', BIG],
              ['pull', '2024-05-01T11:00:00.000Z', 1], // outside the window
            ] as const)
              yield* latency('p1', source, at, ms)
            yield* latency('p2', 'pull', '2024-05-01T10:10:00.000Z', 7)
          })(),
        )
        expect(await read(latencyCount.ops('p1', window))).toBe(4)
        expect(await read(latencyCount.ops('p1', window, 'pull'))).toBe(2)
        expect(await read(latencyCount.ops('p1', window, 'replay'))).toBe(0)
        expect(await read(latencyCount.ops('nope', window))).toBe(0)

        const atRanks = await read(latencyAtRanks.ops('p1', window, [4, 1, 2, 2, 3, 99]))
        expect([...atRanks].sort(([a], [b]) => a - b)).toEqual([
          [1, 100],
          [2, 100],
          [3, 300],
          [4, BIG],
        ])
        const webhook = await read(latencyAtRanks.ops('p1', window, [1, 2], 'webhook'))
        expect([...webhook].sort(([a], [b]) => a - b)).toEqual([
          [1, 100],
          [2, BIG],
        ])
        expect(await read(latencyAtRanks.ops('p1', window, []))).toEqual(new Map())
        expect(await read(latencyAtRanks.ops('p1', window, [5]))).toEqual(new Map())
      })

      it('buckets calls per provider, minute, outcome and status group (429 alone, none without a status)', async () => {
        await write(
          recordCalls.ops([
            call('2024-05-01T10:00:01.000Z', {status: 200}),
            call('2024-05-01T10:00:59.999Z', {status: 204}),
            call('2024-05-01T10:00:30.000Z', {status: 429, outcome: 'rate_limited'}),
            call('2024-05-01T10:00:31.000Z', {status: 404, outcome: 'http_error'}),
            call('2024-05-01T10:01:00.000Z', {status: 503, outcome: 'http_error'}),
            call('2024-05-01T10:01:00.000Z', {status: null, outcome: 'network_error'}),
            call('2024-05-01T10:02:00.000Z', {provider: 'p2', status: 200}),
            call('2024-05-01T11:00:00.000Z', {status: 200}), // outside
          ]),
        )
        const buckets = await read(callBuckets.ops(window))
        const byKey = (b: {provider: string; minute: string; outcome: string; statusGroup: string | null}) =>
          `${b.provider} ${b.minute} ${b.outcome} ${b.statusGroup}`
        expect(buckets.map((b) => [b.provider, b.minute])).toEqual([
          ['p1', '2024-05-01T10:00'],
          ['p1', '2024-05-01T10:00'],
          ['p1', '2024-05-01T10:00'],
          ['p1', '2024-05-01T10:01'],
          ['p1', '2024-05-01T10:01'],
          ['p2', '2024-05-01T10:02'],
        ])
        expect([...buckets].sort((a, b) => byKey(a).localeCompare(byKey(b)))).toEqual([
          {provider: 'p1', minute: '2024-05-01T10:00', outcome: 'http_error', statusGroup: '4xx', calls: 1},
          {provider: 'p1', minute: '2024-05-01T10:00', outcome: 'ok', statusGroup: '2xx', calls: 2},
          {provider: 'p1', minute: '2024-05-01T10:00', outcome: 'rate_limited', statusGroup: '429', calls: 1},
          {provider: 'p1', minute: '2024-05-01T10:01', outcome: 'http_error', statusGroup: '5xx', calls: 1},
          {provider: 'p1', minute: '2024-05-01T10:01', outcome: 'network_error', statusGroup: null, calls: 1},
          {provider: 'p2', minute: '2024-05-01T10:02', outcome: 'ok', statusGroup: '2xx', calls: 1},
        ])
        expect(await read(callBuckets.ops(window, 'p2'))).toEqual([
          {provider: 'p2', minute: '2024-05-01T10:02', outcome: 'ok', statusGroup: '2xx', calls: 1},
        ])
        expect(await read(callBuckets.ops(window, 'P2'))).toEqual([])
      })

      it('totals everything ever recorded per provider, sums near 2^53 exact', async () => {
        expect(await read(lifetimeTotals.ops())).toEqual(new Map())
        await write(
          (function* () {
            yield* recordCalls.ops([
              call('2020-01-01T00:00:00.000Z'),
              call('2024-05-01T10:00:00.000Z', {outcome: 'timeout', status: null}),
              call('2024-05-01T10:00:00.000Z', {outcome: 'http_error', status: 500}),
              call('2024-05-01T10:00:00.000Z', {provider: 'only-calls'}),
            ])
            yield* latency('p1', 'pull', '2024-05-01T10:00:00.000Z', BIG - 10)
            yield* latency('p1', 'webhook', '2030-05-01T10:00:00.000Z', 10)
            yield* latency('only-latency', 'pull', '2024-05-01T10:00:00.000Z', 3)
          })(),
        )
        expect(await read(lifetimeTotals.ops())).toEqual(
          new Map([
            ['p1', {calls: 3, errors: 2, latencyCount: 2, latencySumMs: BIG}],
            ['only-calls', {calls: 1, errors: 0, latencyCount: 0, latencySumMs: 0}],
            ['only-latency', {calls: 0, errors: 0, latencyCount: 1, latencySumMs: 3}],
          ]),
        )
      })

      it('picks the latest finished, failed and any run, ties on start broken by id; counts failures since', async () => {
        const none = await read(latestRuns.ops('p1'))
        expect(none).toEqual({finished: null, failed: null, any: null})
        const at = '2024-05-01T10:00:00.000Z'
        await write(
          (function* () {
            const insert = `INSERT INTO sync_runs (provider, owner, started_at, finished_at, status, error)
                            VALUES (?, 'o', ?, ?, ?, ?)`
            yield* run(insert, ['p1', '2024-05-01T09:00:00.000Z', '2024-05-01T09:01:00.000Z', 'failed', 'older'])
            yield* run(insert, ['p1', at, '2024-05-01T10:05:00.000Z', 'failed', 'first of two at one start'])
            yield* run(insert, ['p1', at, '2024-05-01T10:04:00.000Z', 'ok', null])
            yield* run(insert, ['p1', '2024-05-01T10:30:00.000Z', null, 'running', null])
            yield* run(insert, ['p2', '2024-05-01T11:00:00.000Z', null, 'failed', 'other provider'])
          })(),
        )
        expect(await read(latestRuns.ops('p1'))).toEqual({
          finished: {status: 'ok', startedAt: at, finishedAt: '2024-05-01T10:04:00.000Z', error: null},
          failed: {
            status: 'failed',
            startedAt: at,
            finishedAt: '2024-05-01T10:05:00.000Z',
            error: 'first of two at one start',
          },
          any: {status: 'running', startedAt: '2024-05-01T10:30:00.000Z', finishedAt: null, error: null},
        })
        expect(await read(failedRunsSince.ops('p1', at))).toBe(1)
        expect(await read(failedRunsSince.ops('p1', '2024-05-01T08:00:00.000Z'))).toBe(2)
        expect(await read(failedRunsSince.ops('p3', at))).toBe(0)
      })

      it('knows when a provider’s mirror was last current: its last successful run, its newest state', async () => {
        expect(await read(freshness.ops('p1'))).toEqual({lastSuccessAt: null, newestUpdateAt: null})
        await write(
          (function* () {
            const ok = yield* startRun.ops('p1', 'o')
            yield* finishRun.ops(ok, 'ok', null)
            const failed = yield* startRun.ops('p1', 'o')
            yield* finishRun.ops(failed, 'failed', 'late failure')
            yield* addTransaction('p1', 'ch_1', '2024-05-01T12:00:00.000Z')
            yield* addTransaction('p1', 'ch_2', '2024-05-01T09:00:00.000Z')
            yield* addTransaction('p2', 'ch_1', '2030-01-01T00:00:00.000Z')
          })(),
        )
        const finished = await read(
          value<string>(`SELECT finished_at FROM sync_runs WHERE provider = 'p1' AND status = 'ok'`),
        )
        expect(await read(freshness.ops('p1'))).toEqual({
          lastSuccessAt: finished,
          newestUpdateAt: '2024-05-01T12:00:00.000Z',
        })
      })
    })
  })
})
