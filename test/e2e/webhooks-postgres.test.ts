import {afterAll, beforeAll, describe, expect, it} from 'vitest'

import {generateScenario} from '../../src/sandbox/generate.js'
import {paymentsFor, scenarioEvents} from '../../src/sandbox/model.js'
import {createRng} from '../../src/sandbox/prng.js'
import {webhookUrlFor} from '../../src/sandbox/serve.js'
import {createWebhookDelivery, type DeliveryAttempt, type DeliveryStats} from '../../src/sandbox/webhook-delivery.js'
import {verifyAudit} from '../../src/services/audit.js'
import {type LedgerHandle, sqliteHandle, storeHandle} from '../../src/store/ops/ledger-handle.js'
import {all, type Ops, value} from '../../src/store/ops/op.js'
import {pgStore} from '../../src/store/seam/pg-store.js'
import type {Store} from '../../src/store/seam/store.js'
import {startBalancer, type Balancer} from '../helpers/balancer.js'
import {unbalancedSets} from '../helpers/ledger-checks.js'
import {moveHomeToPostgres} from '../helpers/pg-ledger.js'
import {testPostgres} from '../helpers/postgres.js'
import {freePort, listening, startWorker, stopWorker, worker, type Exit, type Worker} from '../helpers/workers.js'
import {
  connectAll,
  fetchesSettled,
  makeHome,
  serveHooks,
  startWorld,
  type HookHome,
  type HookWorld,
} from '../services/webhooks/world.js'

const postgres = await testPostgres()

/**
 * Several `yms-pay webhooks serve` (the built binary) on one PostgreSQL ledger behind a load balancer, as issue 14
 * deploys them: the sandbox's five gateways deliver through the balancer, which sends a fifth of the requests to two
 * servers at once (a gateway's redelivery racing its first attempt), while servers are SIGKILLed at seeded random
 * moments and started again. Then one clean run reads what the killed ones left to fetch. Every event must be stored
 * once, and the ledger must equal the one a single server that was never killed builds from the same world (on
 * SQLite, in this process), every posting set balanced, the audit chain intact.
 */
const HOSTS = 3
// Up to KILLS while the gateways deliver; the deliveries may end first (faster commits end them sooner), so the test
// asks for MIN_KILLS: enough that every host was killed mid-delivery more than once on average.
const KILLS = 12
const MIN_KILLS = 6
const scenario = generateScenario({
  seed: 61,
  customers: 30,
  transactions: 360,
  start: '2026-07-01T00:00:00.000Z',
  end: '2026-07-15T00:00:00.000Z',
})
const clock = {now: () => Date.now()}

/** The world's webhooks, delivered as the sandbox delivers them (patient, as a gateway is), every attempt recorded. */
function deliverAll(world: HookWorld, url: string, onAttempt?: (a: DeliveryAttempt) => void) {
  const deliveries = [...world.emulators.entries()].map(([kind, emulator]) =>
    createWebhookDelivery({
      emulator,
      events: scenarioEvents(paymentsFor(scenario, kind, 'own')),
      targetUrl: webhookUrlFor(url, kind),
      clock,
      retryDelaysMs: [...Array<number>(40).fill(50), ...Array<number>(40).fill(250), ...Array<number>(60).fill(1_000)],
      onAttempt,
    }),
  )
  return {
    done: Promise.all(deliveries.map((d) => d.deliverDue(Date.now()))),
    stop: () => Promise.all(deliveries.map((d) => d.stop())),
  }
}

const ledgerSnapshotOf = (handle: LedgerHandle) => handle.read(ledgerSnapshot())

/** What the ledger holds, engine-neutral (test/helpers/sync-world.ts's snapshot, through a handle). */
function* ledgerSnapshot(): Ops<{transactions: Record<string, string>; positions: Record<string, number>}> {
  const txns = yield* all<Record<string, string | number | null>>(
    'SELECT id, type, status, amount_minor, currency, fee_minor, customer_id FROM transactions ORDER BY id',
  )
  const positions = yield* all<{txn_id: string; account: string; currency: string; minor: number}>(
    `SELECT txn_id, account, currency, SUM(amount_minor) AS minor FROM ledger_postings GROUP BY txn_id, account, currency
       HAVING SUM(amount_minor) <> 0 ORDER BY 1, 2, 3`,
  )
  return {
    transactions: Object.fromEntries(
      txns.map((t) => [
        t.id,
        `${t.type} ${t.status} ${t.amount_minor} ${t.currency} fee=${t.type === 'payment' && t.status === 'succeeded' ? t.fee_minor : '-'} ${t.customer_id}`,
      ]),
    ),
    positions: Object.fromEntries(positions.map((p) => [`${p.txn_id}|${p.account}|${p.currency}`, Number(p.minor)])),
  }
}

describe.skipIf(postgres.skip !== undefined)('webhooks serve on PostgreSQL: several hosts behind a balancer', () => {
  const stores: Store[] = []
  const hosts: Worker[] = []
  let home: HookHome
  let world: HookWorld
  let clean: HookHome
  let cleanWorld: HookWorld
  let ledger: LedgerHandle
  let balancer: Balancer
  const attempts: DeliveryAttempt[] = []
  let delivered: DeliveryStats[] = []
  let kills = 0
  let lastRun: Exit | undefined
  let facts: {
    events: {n: number; k: number; applied: number; twice: number}
    snapshot: Awaited<ReturnType<typeof ledgerSnapshotOf>>
    unbalanced: unknown[]
    audit: {ok: boolean}
  }

  beforeAll(async () => {
    const database = await postgres.freshDatabase()
    const lbPort = await freePort()
    const lbUrl = `http://127.0.0.1:${lbPort}/webhooks/{kind}`
    home = await makeHome({scenario, clock})
    world = await startWorld({scenario, clock})
    await connectAll(home, world, lbUrl)
    const {env} = await moveHomeToPostgres(home.home, database, home.env as Record<string, string>)
    const store = pgStore(database.connection)
    stores.push(store)
    ledger = storeHandle(store)

    const serve = (port: number) => ['webhooks', 'serve', '--port', String(port), '--json']
    for (let i = 0; i < HOSTS; i++) {
      const port = await freePort()
      hosts.push(worker(`serve-${i + 1}`, serve(port), port))
    }
    await Promise.all(hosts.map((h) => startWorker(h, env, listening)))
    balancer = await startBalancer({
      port: lbPort,
      live: () => hosts.filter((h) => h.child !== null).map((h) => h.port!),
      seed: 14,
      doubleRate: 0.2,
    })
    const rng = createRng(2027)
    const delivering = deliverAll(world, lbUrl, (a) => attempts.push(a))
    let done = false
    void delivering.done.then(() => (done = true))
    while (!done && kills < KILLS) {
      await new Promise((r) => setTimeout(r, rng.int(100, 600)))
      if (done) break
      const victim = hosts[rng.int(0, HOSTS - 1)]!
      await stopWorker(victim, 'SIGKILL')
      kills++
      await startWorker(victim, env, listening)
    }
    delivered = await delivering.done
    await delivering.stop()
    for (const h of hosts) await stopWorker(h, 'SIGTERM')
    await balancer.close()

    // One clean run reads what is left, then stops on SIGTERM: what killed hosts had claimed too, at once, as its
    // fetcher finds them dead (their claims would otherwise lapse after FETCH_CLAIM_MS, 10 minutes).
    const lastPort = await freePort()
    const last = worker('serve-clean', serve(lastPort), lastPort)
    await startWorker(last, env, listening)
    const until = Date.now() + 60_000
    while ((await ledger.read(value<number>(`SELECT COUNT(*) FROM webhook_events WHERE status = 'fetching'`))) !== 0) {
      if (Date.now() > until) throw new Error('events still fetching a minute after the clean run started')
      await new Promise((r) => setTimeout(r, 50))
    }
    await stopWorker(last, 'SIGTERM')
    lastRun = last.exits.at(-1)

    clean = await makeHome({scenario, clock})
    const cleanUrl = `${(await serveHooks(clean)).url}/webhooks/{kind}`
    cleanWorld = await startWorld({scenario, clock})
    await connectAll(clean, cleanWorld, cleanUrl)
    const plain = deliverAll(cleanWorld, cleanUrl)
    await plain.done
    await plain.stop()
    await fetchesSettled(clean.db)

    // Read now: the test database is dropped after the first test.
    facts = {
      events: (
        await ledger.read(
          all<{n: number; k: number; applied: number; twice: number}>(
            `SELECT COUNT(*) AS n, COUNT(DISTINCT provider || ':' || dedup_key) AS k,
               SUM(CASE WHEN status = 'applied' THEN 1 ELSE 0 END) AS applied,
               SUM(CASE WHEN deliveries > 1 THEN 1 ELSE 0 END) AS twice FROM webhook_events`,
          ),
        )
      ).map((r) => ({n: Number(r.n), k: Number(r.k), applied: Number(r.applied), twice: Number(r.twice)}))[0]!,
      snapshot: await ledgerSnapshotOf(ledger),
      unbalanced: await ledger.read(unbalancedSets()),
      audit: await ledger.read(verifyAudit.ops()),
    }
  }, 600_000)

  afterAll(async () => {
    for (const h of hosts) await stopWorker(h, 'SIGKILL')
    for (const store of stores) await store.close()
    await home?.close()
    await clean?.close()
    await world?.close()
    await cleanWorld?.close()
  })

  it(`killed servers ${MIN_KILLS} to ${KILLS} times while the balancer doubled a fifth of the requests; the last stopped cleanly`, () => {
    const cut = attempts.filter((a) => a.status === 502).length
    console.log(
      'webhooks on PostgreSQL, several hosts',
      JSON.stringify({kills, ...balancer.stats, cut, ...facts.events}),
    )
    expect(kills).toBeGreaterThanOrEqual(MIN_KILLS)
    expect(lastRun, lastRun?.stderr).toMatchObject({code: 0, signal: null})
    expect(balancer.stats.doubled).toBeGreaterThan(20)
    for (const s of delivered) expect(s).toMatchObject({failed: 0, pending: 0})
    // Cut off mid-request by a kill (the balancer answered 502): redelivered.
    expect(cut).toBeGreaterThan(0)
  })

  it('stored every delivered event exactly once, each applied', () => {
    const total = new Set(attempts.filter((a) => a.status === 200).map((a) => a.dedupId)).size
    expect(total).toBeGreaterThan(200)
    expect(facts.events).toMatchObject({n: total, k: total, applied: total})
    // Redeliveries reached the ledger as such: counted on the stored event, applied never.
    expect(facts.events.twice).toBeGreaterThan(0)
  })

  it('built the ledger a single server that was never killed builds, every posting set balanced, audit intact', async () => {
    const reference = await ledgerSnapshotOf(sqliteHandle(clean.db))
    expect(Object.keys(facts.snapshot.transactions).length).toBeGreaterThan(100)
    expect(facts.snapshot).toEqual(reference)
    expect(facts.unbalanced).toEqual([])
    expect(facts.audit).toMatchObject({ok: true})
  })
})
