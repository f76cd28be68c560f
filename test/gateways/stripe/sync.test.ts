import {afterAll, beforeAll, describe, expect, it} from 'vitest'

import {AuthError} from '../../../src/core/errors.js'
import {createHttpClient} from '../../../src/gateways/http.js'
import {adapter as stripeAdapter} from '../../../src/gateways/stripe/client.js'
import type {GatewayClient} from '../../../src/gateways/types.js'
import type {Cursor} from '../../../src/core/cursor.js'
import type {NormalizedTxn, Quarantined} from '../../../src/core/transaction.js'
import type {GatewayEmulator, RunningServer} from '../../../src/sandbox/emulator.js'
import {serveHandler} from '../../../src/sandbox/emulator.js'
import {injectFaults} from '../../../src/sandbox/faults.js'
import type {Scenario} from '../../../src/sandbox/model.js'
import {compareWithTruth, expectedTransactions, formatComparison} from '../../../src/sandbox/truth.js'
import {END, manualClock, startStripe, stripeScenario} from './helpers.js'

const calls: string[] = []
function connect(emulator: GatewayEmulator, baseUrl: string, secrets = emulator.secrets): GatewayClient {
  const http = createHttpClient({
    provider: 'stripe-test',
    baseUrl,
    idempotencyHeader: stripeAdapter.idempotencyHeader,
    maxRetries: 4,
    sleep: async () => {},
    recordCall: (call) => calls.push(`${call.endpoint} ${call.status}`),
  })
  return stripeAdapter.connect(
    {providerId: 'stripe-test', baseUrl, settings: {}, secrets},
    {http, clock: {now: () => Date.now()}},
  )
}

/** What the core does: loop pages until hasMore=false, keep the latest version per id, repeat a failed page. */
async function syncAll(
  client: GatewayClient,
  state: {cursor: Cursor | null; txns: Map<string, NormalizedTxn>; invalid: Quarantined[]; pages: number},
) {
  for (let guard = 0; guard < 100_000; guard++) {
    let page
    for (let attempt = 1; ; attempt++) {
      try {
        page = await client.fetchPage(state.cursor)
        break
      } catch (error) {
        if (attempt >= 5) throw error
      }
    }
    state.pages++
    for (const {txn} of page.items) state.txns.set(txn.externalId, txn)
    state.invalid.push(...page.invalid)
    state.cursor = page.next
    if (!page.hasMore) return
  }
  throw new Error('sync did not finish')
}

function check(scenario: Scenario, emulator: GatewayEmulator, at: string, txns: Map<string, NormalizedTxn>) {
  const result = compareWithTruth([...txns.values()], expectedTransactions(scenario, emulator, 'own', at))
  expect(result.ok, formatComparison(result)).toBe(true)
}

describe('Stripe sync completeness against the scenario truth', () => {
  const scenario = stripeScenario(10_000)
  const clock = manualClock('2026-02-15T00:00:00.000Z')
  let emulator: GatewayEmulator
  let server: RunningServer

  beforeAll(async () => {
    ;({emulator, server} = await startStripe(scenario, clock))
  })
  afterAll(() => server.close())

  it('refuses a wrong key with AuthError (exit 77) and accepts the right one', async () => {
    const bad = connect(emulator, server.baseUrl, {...emulator.secrets, api_key: 'sk_test_not_the_key'})
    const error = await bad.testConnection().catch((e: unknown) => e)
    expect(error).toBeInstanceOf(AuthError)
    expect((error as AuthError).exitCode).toBe(77)
    expect(String((error as Error).message)).not.toContain('sk_test_not_the_key')
    await connect(emulator, server.baseUrl).testConnection()
  })

  it('a backfill captures everything, then the event feed captures later payments, settlements, refunds and disputes', async () => {
    const client = connect(emulator, server.baseUrl)
    const state = {
      cursor: null as Cursor | null,
      txns: new Map<string, NormalizedTxn>(),
      invalid: [] as Quarantined[],
      pages: 0,
    }
    await syncAll(client, state)
    expect(state.invalid).toEqual([])
    check(scenario, emulator, clock.isoNow(), state.txns)
    const payments = [...state.txns.values()].filter((t) => t.type === 'payment' && t.status === 'succeeded')
    expect(payments.every((t) => t.fee !== null && t.customerRef?.startsWith('cus_'))).toBe(true)

    // Nothing new: one request, nothing returned, same place in the feed.
    const before = state.pages
    const quiet = await client.fetchPage(state.cursor)
    expect(quiet).toMatchObject({items: [], invalid: [], hasMore: false})
    expect(state.pages).toBe(before)

    // Cron-like runs, each within Stripe's 30-day event retention: only the feed (and charge read-backs) is read.
    calls.length = 0
    for (const at of ['2026-02-20T00:00:00.000Z', '2026-03-10T00:00:00.000Z', '2026-03-28T00:00:00.000Z', END]) {
      clock.set(at)
      await syncAll(client, state)
      expect(state.invalid).toEqual([])
      check(scenario, emulator, at, state.txns)
    }
    const endpoints = new Set(calls.map((c) => c.split(' ').slice(0, 2).join(' ')))
    expect([...endpoints].sort()).toEqual(['GET /v1/charges/:id', 'GET /v1/events'])
    // Fees of charges first seen in the feed were read back from the charge.
    const late = [...state.txns.values()].filter(
      (t) => t.type === 'payment' && t.status === 'succeeded' && t.occurredAt > '2026-02-15',
    )
    expect(late.length).toBeGreaterThan(1000)
    expect(late.every((t) => t.fee !== null)).toBe(true)
  })

  it('when the last event seen has expired (over 30 days), the sync starts over with a backfill and stays exact', async () => {
    const client = connect(emulator, server.baseUrl)
    const state = {
      cursor: null as Cursor | null,
      txns: new Map<string, NormalizedTxn>(),
      invalid: [] as Quarantined[],
      pages: 0,
    }
    clock.set('2026-01-20T00:00:00.000Z')
    await syncAll(client, state)
    clock.set(END)
    calls.length = 0
    await syncAll(client, state)
    expect(calls.filter((c) => c.startsWith('GET /v1/events 404'))).toHaveLength(1)
    expect(calls.some((c) => c.startsWith('GET /v1/charges 200'))).toBe(true)
    check(scenario, emulator, END, state.txns)
  })

  it('a sync with `since` only backfills objects created since then', async () => {
    const client = connect(emulator, server.baseUrl)
    const state = {
      cursor: null as Cursor | null,
      txns: new Map<string, NormalizedTxn>(),
      invalid: [] as Quarantined[],
      pages: 0,
    }
    const first = await client.fetchPage(null, undefined, {since: '2026-03-25T00:00:00Z'})
    state.cursor = first.next
    await syncAll(client, state)
    const expected = expectedTransactions(scenario, emulator, 'own', END).filter((e) => e.type === 'payment')
    const since = [...state.txns.values()].filter((t) => t.type === 'payment')
    const createdAt = new Map(scenario.payments.map((p) => [emulator.externalId('payment', p.key), p.createdAt]))
    const wanted = expected.filter((e) => (createdAt.get(e.externalId) ?? '') >= '2026-03-25')
    expect(wanted.length).toBeGreaterThan(50)
    expect(new Set(since.map((t) => t.externalId))).toEqual(new Set(wanted.map((e) => e.externalId)))
  })
})

describe('Stripe sync resumed from a cursor stored during the charge re-reads', () => {
  const scenario = stripeScenario(2_000, 31)
  const clock = manualClock('2026-02-01T00:00:00.000Z')
  let emulator: GatewayEmulator
  let server: RunningServer

  beforeAll(async () => {
    ;({emulator, server} = await startStripe(scenario, clock))
  })
  afterAll(() => server.close())

  it('asks the feed again after the re-reads, so the resumed run brings everything newer', async () => {
    const client = connect(emulator, server.baseUrl)
    const state = {
      cursor: null as Cursor | null,
      txns: new Map<string, NormalizedTxn>(),
      invalid: [] as Quarantined[],
      pages: 0,
    }
    await syncAll(client, state)
    check(scenario, emulator, clock.isoNow(), state.txns)
    const caughtUp = state.cursor as unknown as {phase: string; refetch: unknown[]}
    expect(caughtUp).toMatchObject({phase: 'events', refetch: []})
    const charge = [...state.txns.values()].find((t) => t.type === 'payment' && t.status === 'succeeded')!
    // What a run leaves when it is killed after committing a feed page that said nothing newer existed and before
    // re-reading the charge that page named (with the "no more" flag such cursors were stored with).
    state.cursor = {
      ...caughtUp,
      refetch: [{id: charge.externalId, at: Math.floor(clock.now() / 1000)}],
      more: false,
    } as unknown as Cursor

    // The next run, weeks of payments later: one run must bring them all, not just the charge re-read.
    clock.set('2026-03-01T00:00:00.000Z')
    const known = state.txns.size
    calls.length = 0
    await syncAll(client, state)
    expect(state.txns.size - known).toBeGreaterThan(100)
    check(scenario, emulator, clock.isoNow(), state.txns)
    expect(calls[0]).toMatch(/^GET \/v1\/charges\/:id 200/)
    expect(calls).toContain('GET /v1/events 200')
  })
})

describe('Stripe sync under sandbox faults (rate 0.1)', () => {
  const scenario = stripeScenario(2_000, 23)
  const clock = manualClock('2026-02-01T00:00:00.000Z')
  let server: RunningServer
  let emulator: GatewayEmulator
  let release = () => {}
  let counts: Record<string, number> = {}

  beforeAll(async () => {
    ;({emulator} = await startStripe(scenario, clock))
    const faults = injectFaults(emulator, {
      spec: {rate: 0.1, kinds: ['500', '429', 'reset', 'truncated', 'timeout', 'duplicate']},
      seed: 5,
      holdMs: 20,
    })
    release = () => faults.release()
    counts = faults.counts
    server = await serveHandler(faults.handler)
  })
  afterAll(async () => {
    release()
    await server.close()
  })

  it('still converges on the truth, before and after the clock moves', async () => {
    const client = connect(emulator, server.baseUrl)
    const state = {
      cursor: null as Cursor | null,
      txns: new Map<string, NormalizedTxn>(),
      invalid: [] as Quarantined[],
      pages: 0,
    }
    await syncAll(client, state)
    check(scenario, emulator, clock.isoNow(), state.txns)
    for (const at of ['2026-02-20T00:00:00.000Z', '2026-03-10T00:00:00.000Z', END]) {
      clock.set(at)
      await syncAll(client, state)
      expect(state.invalid).toEqual([])
      check(scenario, emulator, at, state.txns)
    }
    expect(Object.values(counts).reduce((a, b) => a + b, 0)).toBeGreaterThan(10)
  })
})
