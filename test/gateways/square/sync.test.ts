import {afterEach, describe, expect, it} from 'vitest'

import type {NormalizedTxn, Quarantined} from '../../../src/core/transaction.js'
import {createHttpClient} from '../../../src/gateways/http.js'
import {adapter as squareAdapter} from '../../../src/gateways/square/client.js'
import {createSquareEmulator} from '../../../src/sandbox/square/emulator.js'
import type {SquareEmulator} from '../../../src/sandbox/square/emulator.js'
import type {GatewayClient} from '../../../src/gateways/types.js'
import type {Cursor} from '../../../src/core/cursor.js'
import {type RunningServer, serveEmulator, serveHandler} from '../../../src/sandbox/emulator.js'
import {FAULT_KINDS, type FaultInjector, injectFaults} from '../../../src/sandbox/faults.js'
import {compareWithTruth, formatComparison} from '../../../src/sandbox/truth.js'
import {expectedTransactions} from '../../../src/sandbox/truth.js'
import {type ManualClock, manualClock, squareWorld} from './world.js'

/**
 * Sync completeness over real loopback HTTP: the adapter pages until hasMore=false, the test keeps the latest
 * version of each id (as the core's upsert does), and the result must equal the scenario's truth exactly; then
 * the clock moves on and a sync from the saved cursor must pick up later settlements, refunds and disputes.
 * The world spans 14 months, so payments older than Square's default one-year begin_time must still be seen.
 */
const scenario = squareWorld({
  seed: 42,
  customers: 1500,
  transactions: 10_000,
  start: '2024-01-01T00:00:00.000Z',
  end: '2025-03-01T00:00:00.000Z',
})
const MID = '2024-11-15T12:00:00.000Z'

interface SyncResult {
  cursor: Cursor
  requests: number
  fetched: number
  errors: number
  invalid: Quarantined[]
}

async function syncUntilDone(
  client: GatewayClient,
  start: Cursor | null,
  store: Map<string, NormalizedTxn>,
): Promise<SyncResult> {
  let cursor = start
  const result: SyncResult = {cursor: {}, requests: 0, fetched: 0, errors: 0, invalid: []}
  for (let guard = 0; guard < 2_000; guard++) {
    result.requests++
    let page
    try {
      page = await client.fetchPage(cursor)
    } catch (error) {
      // The core repeats the page from the same cursor on the next run; here, at once.
      result.errors++
      if (result.errors > 100) throw error
      continue
    }
    for (const {txn} of page.items) store.set(txn.externalId, txn)
    result.fetched += page.items.length
    result.invalid.push(...page.invalid)
    cursor = JSON.parse(JSON.stringify(page.next)) as Cursor // the store persists it as JSON
    if (!page.hasMore) {
      result.cursor = cursor
      return result
    }
  }
  throw new Error('sync did not finish')
}

function expectTruth(emulator: SquareEmulator, store: Map<string, NormalizedTxn>, at: string): void {
  const comparison = compareWithTruth([...store.values()], expectedTransactions(scenario, emulator, 'own', at))
  expect(comparison.ok, formatComparison(comparison)).toBe(true)
}

let server: RunningServer | undefined
let injector: FaultInjector | undefined
afterEach(async () => {
  injector?.release()
  await server?.close()
  server = undefined
  injector = undefined
})

function connect(clock: ManualClock, baseUrl: string, faults: boolean): GatewayClient {
  const http = createHttpClient({
    provider: 'sq',
    baseUrl,
    idempotencyHeader: squareAdapter.idempotencyHeader,
    sleep: async () => {},
    ...(faults ? {timeoutMs: 300, maxRetries: 3, circuitFailureThreshold: 1_000} : {}),
  })
  return squareAdapter.connect(
    {providerId: 'sq', baseUrl, settings: {}, secrets: createSquareEmulator({scenario, share: 'own', clock}).secrets},
    {http, clock},
  )
}

describe('Square sync completeness (10k payments)', () => {
  it('captures everything, then only the changes since the saved cursor', async () => {
    const clock = manualClock(MID)
    const emulator = createSquareEmulator({scenario, share: 'own', clock})
    server = await serveEmulator(emulator)
    const client = connect(clock, server.baseUrl, false)
    const store = new Map<string, NormalizedTxn>()

    const first = await syncUntilDone(client, null, store)
    expect(first.invalid).toEqual([])
    expectTruth(emulator, store, MID)
    const paymentsAtMid = [...store.values()].filter((t) => t.type === 'payment').length
    expect(paymentsAtMid).toBeGreaterThan(7_000)
    // One request per page: ~100 payments per page plus the refund and dispute pages.
    expect(first.requests).toBeLessThan(paymentsAtMid / 100 + 30)

    clock.set(scenario.end)
    const second = await syncUntilDone(client, first.cursor, store)
    expect(second.invalid).toEqual([])
    expectTruth(emulator, store, scenario.end)
    // Incremental: the second pass reads the changes of 3.5 months, not the whole history again.
    expect(second.fetched).toBeLessThan(first.fetched * 0.5)
    const changed = [...store.values()].filter((t) => t.updatedAt > MID)
    expect(changed.some((t) => t.type === 'refund')).toBe(true)
    expect(changed.some((t) => t.type === 'dispute' && (t.status === 'won' || t.status === 'lost'))).toBe(true)
    expect(changed.some((t) => t.type === 'payment' && t.occurredAt <= MID)).toBe(true) // settled or refunded later

    // Nothing changed since: only the lookback window comes back.
    const third = await syncUntilDone(client, second.cursor, store)
    expect(third.fetched).toBeLessThan(50)
    expectTruth(emulator, store, scenario.end)

    // A first sync 14 months in: Square's default begin_time (now - 1 year) must not hide the oldest payments.
    const fresh = new Map<string, NormalizedTxn>()
    await syncUntilDone(client, null, fresh)
    expect([...fresh.values()].some((t) => t.occurredAt < '2024-03-01')).toBe(true)
    expectTruth(emulator, fresh, scenario.end)
  })

  it('is still exact under sandbox faults (rate 0.1, every kind)', async () => {
    const clock = manualClock(MID)
    const emulator = createSquareEmulator({scenario, share: 'own', clock})
    injector = injectFaults(emulator, {spec: {rate: 0.1, kinds: [...FAULT_KINDS]}, seed: 7, holdMs: 2_000})
    server = await serveHandler(injector.handler)
    const client = connect(clock, server.baseUrl, true)
    const store = new Map<string, NormalizedTxn>()

    const first = await syncUntilDone(client, null, store)
    expect(first.invalid).toEqual([])
    expectTruth(emulator, store, MID)
    clock.set(scenario.end)
    const second = await syncUntilDone(client, first.cursor, store)
    expect(second.invalid).toEqual([])
    expectTruth(emulator, store, scenario.end)
    const faults = Object.values(injector.counts).reduce((a, b) => a + b, 0)
    expect(faults).toBeGreaterThan(5)
    expect(injector.counts.duplicate + injector.counts['500'] + injector.counts.timeout).toBeGreaterThan(0)
  })
})
