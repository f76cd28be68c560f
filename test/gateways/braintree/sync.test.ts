import {afterEach, describe, expect, it} from 'vitest'

import type {NormalizedTxn} from '../../../src/core/transaction.js'
import type {GatewayClient, Page} from '../../../src/gateways/types.js'
import {serveSandbox} from '../../../src/sandbox/serve.js'
import {createBraintreeEmulator} from '../../../src/sandbox/braintree/emulator.js'
import {compareWithTruth, expectedTransactions, formatComparison} from '../../../src/sandbox/truth.js'
import type {Scenario} from '../../../src/sandbox/model.js'
import {connectClient, mutableClock, scenario, serve} from './helpers.js'

type Cursor = Page['next'] | null

/** What a sync service does: pages until hasMore is false, keeping the last version of each id. */
async function syncCycle(
  client: GatewayClient,
  cursor: Cursor,
  seen: Map<string, NormalizedTxn>,
  opts: {retries?: number; since?: string} = {},
): Promise<{cursor: Cursor; requests: number; invalid: number; items: number}> {
  let requests = 0
  let items = 0
  let invalid = 0
  let failures = 0
  for (;;) {
    let page: Page
    try {
      page = await client.fetchPage(cursor, undefined, opts.since ? {since: opts.since} : undefined)
    } catch (error) {
      // The cursor did not move: the service tries the same page again (next run).
      if (++failures > (opts.retries ?? 0)) throw error
      continue
    }
    requests++
    items += page.items.length
    for (const item of page.items) seen.set(item.txn.externalId, item.txn)
    invalid += page.invalid.length
    cursor = JSON.parse(JSON.stringify(page.next)) as Cursor // persisted as JSON by the store
    if (!page.hasMore) return {cursor, requests, invalid, items}
  }
}

const closers: (() => Promise<void>)[] = []
afterEach(async () => {
  while (closers.length > 0) await closers.pop()!()
})

function truthAt(world: Scenario, emulator: Parameters<typeof expectedTransactions>[1], at: string) {
  return expectedTransactions(world, emulator, 'own', at)
}

describe('Braintree sync against the scenario truth', () => {
  it('a full first sync of ~3,000 payments matches the truth, then later settlements, refunds and disputes are captured', async () => {
    const world = scenario(3_000)
    const clock = mutableClock('2026-02-01T00:00:00.000Z')
    const {emulator, server, client} = await serve(world, clock)
    closers.push(() => server.close())
    const seen = new Map<string, NormalizedTxn>()

    const first = await syncCycle(client, null, seen)
    const firstCheck = compareWithTruth([...seen.values()], truthAt(world, emulator, '2026-02-01T00:00:00.000Z'))
    expect(firstCheck.ok, formatComparison(firstCheck)).toBe(true)
    const pendingThen = [...seen.values()]
      .filter((t) => t.type === 'payment' && t.status === 'pending')
      .map((t) => t.externalId)
    expect(pendingThen.length).toBeGreaterThan(0)

    clock.set('2026-02-20T00:00:00.000Z')
    const second = await syncCycle(client, first.cursor, seen)
    const check = compareWithTruth([...seen.values()], truthAt(world, emulator, '2026-02-20T00:00:00.000Z'))
    expect(check.ok, formatComparison(check)).toBe(true)
    // Incremental: the second cycle reads what was created or changed since the first (plus the overlap), not the history.
    const from = '2026-01-31T23:45:00.000Z'
    const to = '2026-02-20T00:00:00.000Z'
    const within = (at: string | null | undefined): boolean => !!at && at >= from && at <= to
    const mine = world.payments.filter((p) => p.gateway === 'braintree')
    const changed =
      mine.filter((p) => within(p.createdAt) || within(p.settledAt)).length +
      mine.flatMap((p) => p.refunds).filter((r) => within(r.at)).length +
      mine.filter((p) => within(p.dispute?.openedAt) || within(p.dispute?.closedAt)).length
    expect(second.items).toBeGreaterThanOrEqual(changed)
    expect(second.items).toBeLessThan(changed * 1.1 + 20)
    expect(pendingThen.some((id) => seen.get(id)?.status === 'succeeded')).toBe(true)
    const refundLater = world.payments
      .flatMap((p) => p.refunds)
      .find((r) => r.at > '2026-02-01T00:00:00.000Z' && r.at <= '2026-02-20T00:00:00.000Z')!
    expect(seen.get(emulator.externalId('refund', refundLater.key))).toMatchObject({
      type: 'refund',
      status: 'succeeded',
    })
    const disputeLater = world.payments.find(
      (p) =>
        p.dispute &&
        p.dispute.openedAt > '2026-02-01T00:00:00.000Z' &&
        p.dispute.openedAt <= '2026-02-20T00:00:00.000Z',
    )!
    expect(seen.get(emulator.externalId('dispute', disputeLater.dispute!.key))?.type).toBe('dispute')
    const closedLater = world.payments.find(
      (p) =>
        p.dispute?.closedAt &&
        p.dispute.openedAt <= '2026-02-01T00:00:00.000Z' &&
        p.dispute.closedAt > '2026-02-01T00:00:00.000Z' &&
        p.dispute.closedAt <= '2026-02-20T00:00:00.000Z',
    )
    if (closedLater)
      expect(seen.get(emulator.externalId('dispute', closedLater.dispute!.key))?.status).toBe(
        closedLater.dispute!.outcome,
      )

    clock.set('2026-03-01T00:00:00.000Z')
    await syncCycle(client, second.cursor, seen)
    const last = compareWithTruth([...seen.values()], truthAt(world, emulator, '2026-03-01T00:00:00.000Z'))
    expect(last.ok, formatComparison(last)).toBe(true)
  })

  it('halves a search window whose id list reaches the limit, and still misses nothing', async () => {
    const world = scenario(1_500, 11)
    const clock = mutableClock('2026-03-01T00:00:00.000Z')
    const {emulator, server, client} = await serve(world, clock, {
      emulator: {searchLimit: 400},
      connect: {windowTarget: 400},
    })
    closers.push(() => server.close())
    const seen = new Map<string, NormalizedTxn>()
    await syncCycle(client, null, seen)
    const check = compareWithTruth([...seen.values()], truthAt(world, emulator, '2026-03-01T00:00:00.000Z'))
    expect(check.ok, formatComparison(check)).toBe(true)
  })

  it('a first sync from `since` reads only what changed since then, including older payments that settled or were refunded', async () => {
    const world = scenario(1_500, 5)
    const clock = mutableClock('2026-02-10T00:00:00.000Z')
    const {emulator, server, client} = await serve(world, clock)
    closers.push(() => server.close())
    const seen = new Map<string, NormalizedTxn>()
    const since = '2026-02-05T00:00:00.000Z'
    await syncCycle(client, null, seen, {since})
    const createdBefore = [...seen.values()].filter(
      (t) => t.type === 'payment' && t.occurredAt < '2026-02-04T00:00:00.000Z',
    )
    // Older payments appear only because they settled (or declined at settlement) after `since`.
    for (const t of createdBefore) expect(['succeeded', 'failed']).toContain(t.status)
    const refunds = world.payments
      .flatMap((p) => p.refunds)
      .filter((r) => r.at > since && r.at <= '2026-02-10T00:00:00.000Z')
    for (const r of refunds) expect(seen.has(emulator.externalId('refund', r.key))).toBe(true)
  })

  it('under sandbox faults (500, 429, resets, timeouts, truncation, duplicates) the sync still matches the truth', async () => {
    const world = scenario(2_500, 3)
    const clock = mutableClock('2026-02-15T00:00:00.000Z')
    const sandbox = await serveSandbox({
      emulators: {kinds: ['braintree'], create: () => createBraintreeEmulator({scenario: world, share: 'own', clock})},
      seed: 99,
      faults: {rate: 0.3, kinds: ['500', '429', 'reset', 'truncated', 'timeout', 'duplicate']},
      holdMs: 50,
    })
    closers.push(() => sandbox.close())
    const gw = sandbox.gateways[0]!
    const emulator = createBraintreeEmulator({scenario: world, share: 'own', clock})
    const client = connectClient({...emulator, settings: gw.settings, secrets: gw.secrets}, gw.baseUrl, clock)
    const seen = new Map<string, NormalizedTxn>()
    const run = await syncCycle(client, null, seen, {retries: 200})
    const check = compareWithTruth([...seen.values()], truthAt(world, emulator, '2026-02-15T00:00:00.000Z'))
    expect(check.ok, formatComparison(check)).toBe(true)
    expect(run.invalid).toBe(0)
    const counts = sandbox.faultCounts().braintree!
    expect(Object.values(counts).reduce((a, b) => a + b, 0)).toBeGreaterThan(5)
  })
})
