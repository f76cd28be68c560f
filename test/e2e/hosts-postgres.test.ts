import {afterAll, describe, expect, it, onTestFailed} from 'vitest'

import {faultStream, parseFaultSpec} from '../../src/sandbox/faults.js'
import {paymentsFor, scenarioEvents} from '../../src/sandbox/model.js'
import {createRng} from '../../src/sandbox/prng.js'
import {createStripeEmulator} from '../../src/sandbox/stripe/emulator.js'
import {compareWithTruth, expectedTransactions, formatComparison} from '../../src/sandbox/truth.js'
import {createWebhookDelivery, type DeliveryAttempt} from '../../src/sandbox/webhook-delivery.js'
import {storeHandle} from '../../src/store/ops/ledger-handle.js'
import {all} from '../../src/store/ops/op.js'
import {storedTransactions} from '../../src/store/repos/transactions.js'
import {pgStore} from '../../src/store/seam/pg-store.js'
import type {Store} from '../../src/store/seam/store.js'
import {DELIVERY_LEASE, judgeAlerts, type Kill, type OutboxRow} from '../helpers/alert-judge.js'
import {startAlertReceiver, type AlertReceiver, type Receipt} from '../helpers/alert-receiver.js'
import {startBalancer} from '../helpers/balancer.js'
import {runCli} from '../helpers/cli.js'
import {accountSums, driftedBalances, offTarget, unbalancedSets} from '../helpers/ledger-checks.js'
import {moveHomeToPostgres} from '../helpers/pg-ledger.js'
import {testPostgres} from '../helpers/postgres.js'
import {createSyncWorld, manualClock, WORLD_END, worldScenario, type SyncWorld} from '../helpers/sync-world.js'
import {freePort, listening, startWorker, stopWorker, waitUntil, worker, type Worker} from '../helpers/workers.js'
import {expectedAccounts} from '../services/sync/oracle.js'

const postgres = await testPostgres()

/**
 * Issue 14's proof for several hosts: three `yms-pay sync --watch` and two `yms-pay webhooks serve` (the built
 * binary) on one PostgreSQL ledger at once, while the Stripe emulator reveals a scenario as its clock moves, behind
 * the sandbox's faults (5 %, every kind `sandbox serve --faults rate=0.05` gives: 500, 429, timeout, reset,
 * truncated, duplicate items, and webhooks delivered twice or out of order), and delivers its webhooks through a
 * balancer to both receivers (a fifth of them to both at once). A seeded schedule SIGKILLs a random worker and starts
 * it again, over and over. The hosts deliver alerts to a Standard Webhooks receiver. Then the hosts stop, and one
 * clean run of each finishes the work (webhooks serve for the events still to
 * read, sync, alerts flush). The ledger must be the scenario's truth; nothing posted twice, every posting set
 * balanced, the audit chain intact; every alert delivered, each exactly once as its receiver counts (see below).
 *
 * "Delivered once", what a Standard Webhooks sender can promise: the receiver processes every alert in the outbox
 * exactly once, de-duplicating on webhook-id. The sender records a batch's answers after sending it, in one commit,
 * so a SIGKILL between a send and that commit makes the alert go out again, later, under the same webhook-id with the
 * same body: the receiver sees that id twice and processes it once. So a repeated webhook-id is allowed only with
 * the same body, and only when a deliverer was killed between the two receipts (holding the first request, or
 * before recording its answer: test/helpers/alert-judge.ts); an id the outbox does not hold, or an outbox row never
 * received, fails the test.
 *
 * YMS_HOSTS_SEED replays another schedule (kills, faults, balancer).
 */
const SEED = Number(process.env.YMS_HOSTS_SEED ?? 14)
const TRANSACTIONS = 700
const T0 = '2026-02-01T00:00:00.000Z'
/** The clock moves from T0 to the world's end in this many steps, a step at least STEP_MS apart. */
const STEPS = 25
const STEP_MS = 1_200
const MIN_KILLS = 20
const FAULTS = parseFaultSpec('rate=0.05')
const ALERT_SECRET = `whsec_${Buffer.alloc(32, 14).toString('base64')}`
/** How long the alert receiver takes to answer: long enough for a kill to land while it holds a request. */
const RECEIVER_MS = 40

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms))

describe.skipIf(postgres.skip !== undefined)(
  'several hosts on one PostgreSQL ledger: sync --watch, webhooks serve, alerts',
  () => {
    const stores: Store[] = []
    const workers: Worker[] = []
    let world: SyncWorld | undefined
    let receiver: AlertReceiver | undefined

    afterAll(async () => {
      for (const w of workers) await stopWorker(w, 'SIGKILL')
      for (const store of stores) await store.close()
      await receiver?.close()
      await world?.close()
    })

    it('converge to the truth: nothing posted twice, audit intact, every alert processed once', async () => {
      const timings: Record<string, number> = {}
      const kills: Kill[] = []
      // However it fails (a throw on the way too): what the processes did, how they ended.
      onTestFailed(() =>
        console.log(
          'processes',
          JSON.stringify({timings, kills, exits: workers.map((w) => ({name: w.name, exits: w.exits.slice(-3)}))}),
        ),
      )
      const began = Date.now()
      const lap = (name: string) => (timings[name] = Date.now() - began)

      const scenario = worldScenario(TRANSACTIONS, SEED)
      const clock = manualClock(T0)
      world = await createSyncWorld({scenario, clock, faults: FAULTS, faultSeed: SEED, delayMs: 1})
      const rx = await startAlertReceiver(ALERT_SECRET, RECEIVER_MS)
      receiver = rx
      const database = await postgres.freshDatabase()
      const {env: pgEnv} = await moveHomeToPostgres(world.home, database, world.env)
      const env = {...pgEnv, YMS_PAY_SECRET_ALERT_HOSTS_SECRET: ALERT_SECRET}
      const added = await runCli(['alerts', 'add', 'hosts', '--url', receiver.url, '--json'], {env, timeoutMs: 60_000})
      expect(added.code, added.stderr).toBe(0)
      const client = await database.connect()
      const store = pgStore(database.connection)
      stores.push(store)
      const ledger = storeHandle(store)
      lap('setup')

      for (let i = 1; i <= 3; i++) workers.push(worker(`sync-${i}`, ['sync', '--watch', '--interval', '1s', '--json']))
      for (let i = 1; i <= 2; i++) {
        const port = await freePort()
        workers.push(worker(`serve-${i}`, ['webhooks', 'serve', '--port', String(port), '--json'], port))
      }
      const start = (w: Worker) => startWorker(w, env, w.port === null ? undefined : listening)
      await Promise.all(workers.map(start))
      const servers = workers.filter((w) => w.port !== null)
      const balancerPort = await freePort()
      const balancer = await startBalancer({
        port: balancerPort,
        live: () => servers.filter((w) => w.child !== null).map((w) => w.port!),
        seed: SEED,
        doubleRate: 0.2,
      })
      lap('started')

      // The gateway's webhooks, announced as the emulator's clock reaches them (what came before T0 the sync backfills).
      // Signed by a twin of the emulator on the real clock: a receiver checks a signature's age against its own clock,
      // which the scenario's (months back) would fail.
      const attempts: DeliveryAttempt[] = []
      const twice = faultStream(FAULTS, SEED, 'stripe:webhooks')
      const order = faultStream(FAULTS, SEED, 'stripe:webhook-order')
      const delivery = createWebhookDelivery({
        emulator: createStripeEmulator({scenario, share: 'own', clock: {now: () => Date.now()}}),
        events: scenarioEvents(paymentsFor(scenario, 'stripe', 'own')),
        targetUrl: `http://127.0.0.1:${balancerPort}/webhooks/${world.providerId}`,
        clock,
        from: T0,
        retryDelaysMs: [
          ...Array<number>(40).fill(50),
          ...Array<number>(40).fill(250),
          ...Array<number>(60).fill(1_000),
        ],
        duplicate: () => twice.draw() === 'duplicate',
        reorder: () => order.draw() === 'reorder',
        onAttempt: (a) => attempts.push(a),
      })

      // The kill schedule, beside the clock: every 0.3-1.2 s a worker dies and is started again at once. Mostly one at
      // random; one kill in four is aimed at the alert deliverer while the receiver holds one of its requests (sent,
      // not yet recorded), one in six at the sync's lease holder (mid-run).
      let revealing = true
      const leasesOf = async (pid: number) =>
        (await client.query<{name: string}>(`SELECT name FROM leases WHERE owner LIKE $1`, [`%#${pid}#%`])).rows.map(
          (r) => r.name,
        )
      const holderOf = async (lease: string) => {
        const owner = (await client.query<{owner: string}>(`SELECT owner FROM leases WHERE name LIKE $1`, [lease]))
          .rows[0]?.owner
        const pid = Number(/#(\d+)#/.exec(owner ?? '')?.[1])
        return workers.find((w) => w.child?.pid === pid)
      }
      const aimed = async (roll: number): Promise<Worker | undefined> => {
        if (roll < 0.25) {
          const until = Date.now() + 2_000
          while (rx.inFlight() === 0 && Date.now() < until) await sleep(5)
          return rx.inFlight() > 0 ? holderOf(DELIVERY_LEASE) : undefined
        }
        return roll < 0.25 + 1 / 6 ? holderOf('sync:%') : undefined
      }
      const killing = (async () => {
        const rng = createRng(SEED).fork('kills')
        while (revealing || kills.length < MIN_KILLS) {
          await sleep(rng.int(300, 1_200))
          const pick = workers[rng.int(0, workers.length - 1)]!
          const victim = (await aimed(rng.next())) ?? pick
          const pid = victim.child?.pid
          if (pid === undefined) continue
          const before = await leasesOf(pid)
          await stopWorker(victim, 'SIGKILL')
          const at = Date.now()
          const after = await leasesOf(pid)
          kills.push({at, worker: victim.name, pid, leases: [...new Set([...before, ...after])]})
          await start(victim)
        }
      })()

      const span = Date.parse(WORLD_END) - Date.parse(T0)
      for (let step = 1; step <= STEPS; step++) {
        clock.set(new Date(Date.parse(T0) + Math.floor((span * step) / STEPS)).toISOString())
        await Promise.all([delivery.deliverDue(), sleep(STEP_MS)])
      }
      const delivered = await delivery.deliverDue()
      revealing = false
      await killing
      lap('revealed')

      // Quiesce: the hosts stop as an operator stops them (SIGTERM: what is in flight finishes), once each has said
      // something (a sync its first page or run): one just restarted may still be loading, before any handler.
      await waitUntil(() => workers.every((w) => w.lines.length > 0), 60_000, 'every worker printing')
      await Promise.all(workers.map((w) => stopWorker(w, 'SIGTERM')))
      await delivery.stop()
      await balancer.close()
      // What killed hosts claimed is released by the clean runs below, without waiting for the claims to lapse: the
      // server's fetcher releases the claims of fetchers found dead, the flush those of the delivery lease's former
      // holders when it takes the lease over.
      const last = worker('serve-clean', ['webhooks', 'serve', '--port', String(await freePort()), '--json'])
      workers.push(last)
      await startWorker(last, env, listening)
      await waitUntil(
        async () => (await client.query(`SELECT 1 FROM webhook_events WHERE status = 'fetching'`)).rowCount === 0,
        60_000,
        'the clean server reading what the killed ones left',
      )
      await stopWorker(last, 'SIGTERM')
      // Two clean runs: a run killed while re-reading the charges its feed page named leaves the feed's "no more" in the
      // cursor, and what is newer comes one run late (test/e2e/sync-postgres.test.ts).
      const syncs: Array<{code: number; status?: string; stderr: string}> = []
      for (let attempt = 0; attempt < 6 && syncs.filter((s) => s.status === 'ok').length < 2; attempt++) {
        const r = await runCli(['sync', '--provider', world.providerId, '--json'], {env, timeoutMs: 120_000})
        syncs.push({
          code: r.code,
          status: parseJson<{runs: Array<{status: string}>}>(r.stdout)?.runs[0]?.status,
          stderr: r.stderr,
        })
      }
      // Until nothing waits: a flush exits 0 when what was due went out, and a delivery claimed meanwhile is not due.
      const flushes: Array<{code: number; pending?: number; out: string}> = []
      const settled = () => flushes.at(-1)?.code === 0 && flushes.at(-1)?.pending === 0
      for (let attempt = 0; attempt < 3 && !settled(); attempt++) {
        const r = await runCli(['alerts', 'flush', '--json'], {env, timeoutMs: 120_000})
        flushes.push({code: r.code, pending: parseJson<{pending: number}>(r.stdout)?.pending, out: r.stdout + r.stderr})
      }
      const audit = await runCli(['audit', 'verify', '--json'], {env, timeoutMs: 120_000})
      lap('quiesced')

      const stored = await ledger.read(storedTransactions.ops(world.providerId))
      const cmp = compareWithTruth(
        stored.map((s) => s.txn),
        expectedTransactions(scenario, world.stripe.emulator, 'own', WORLD_END),
      )
      const facts = {
        unbalanced: await ledger.read(unbalancedSets()),
        drifted: await ledger.read(driftedBalances()),
        offTarget: await offTarget(ledger, stored),
        accounts: await ledger.read(accountSums()),
        events: await ledger.read(
          all<{status: string; n: number; keys: number}>(
            `SELECT status, COUNT(*) AS n, COUNT(DISTINCT dedup_key) AS keys FROM webhook_events GROUP BY status ORDER BY status`,
          ),
        ),
        duplicateEvents: await ledger.read(
          all(
            `SELECT provider, dedup_key, COUNT(*) AS n FROM webhook_events GROUP BY provider, dedup_key HAVING COUNT(*) > 1`,
          ),
        ),
        quarantine: await ledger.read(
          all(`SELECT reason, COUNT(*) AS n FROM quarantine WHERE status = 'open' GROUP BY reason`),
        ),
        outbox: await ledger.read(
          all<OutboxRow>(
            `SELECT o.seq, o.message_id, o.event, o.subject, o.payload, d.status, d.attempts FROM alerts_outbox o
             JOIN alert_deliveries d ON d.outbox_seq = o.seq ORDER BY o.seq`,
          ),
        ),
        customerBalances: await ledger.read(
          all<{account: string; currency: string; minor: number}>(
            `SELECT account, currency, SUM(minor) AS minor FROM ledger_balances WHERE account LIKE 'customer:%'
             GROUP BY account, currency HAVING SUM(minor) != 0 ORDER BY account, currency`,
          ),
        ),
        alertsRaised: Number(
          await ledger.read(all<{n: number}>('SELECT COUNT(*) AS n FROM alerts_outbox')).then((r) => r[0]!.n),
        ),
      }
      const failedTxns = stored
        .filter((s) => s.txn.status === 'failed')
        .map((s) => s.txn.id)
        .sort()
      const alerts = judgeAlerts(facts.outbox, receiver.receipts, kills)
      const stale = staleBalances(receiver.receipts, facts.customerBalances)
      lap('checked')

      const stats = {
        seed: SEED,
        kills: kills.length,
        killedDeliverer: kills.filter((k) => k.leases.includes(DELIVERY_LEASE)).length,
        killedSync: kills.filter((k) => k.leases.some((l) => l.startsWith('sync:'))).length,
        balancer: balancer.stats,
        webhooks: {...delivered, cut: attempts.filter((a) => a.status === 502 || a.status === null).length},
        faults: world.stripe.faultCounts,
        transactions: stored.length,
        alerts: {raised: facts.alertsRaised, received: receiver.receipts.length, repeated: alerts.repeated.length},
        timings,
      }
      console.log('several hosts on PostgreSQL', JSON.stringify(stats))
      const healthy =
        cmp.ok &&
        cmp.duplicates.length === 0 &&
        facts.unbalanced.length === 0 &&
        facts.drifted.length === 0 &&
        facts.offTarget.length === 0 &&
        alerts.problems.length === 0 &&
        stale.length === 0 &&
        audit.code === 0
      if (!healthy)
        console.log(
          'diagnostics',
          formatComparison(cmp, 50),
          JSON.stringify(
            {
              facts: {...facts, outbox: facts.outbox.filter((o) => o.status !== 'delivered')},
              offTarget: facts.offTarget.slice(0, 20),
              alertProblems: alerts.problems.slice(0, 30),
              stale: stale.slice(0, 10),
              kills,
              syncs,
              flushes,
              audit: audit.stdout + audit.stderr,
              exits: workers.map((w) => ({name: w.name, exits: w.exits.slice(-3)})),
              runs: await ledger.read(
                all('SELECT id, owner, status, error, pages, fetched, inserted FROM sync_runs ORDER BY id'),
              ),
              cursors: await ledger.read(all('SELECT * FROM sync_cursors')),
            },
            null,
            1,
          ),
        )

      expect(cmp.ok, formatComparison(cmp)).toBe(true)
      expect(cmp.duplicates).toEqual([])
      expect(stored.length).toBeGreaterThan(TRANSACTIONS)
      expect(facts.unbalanced).toEqual([])
      expect(facts.drifted).toEqual([])
      expect(facts.offTarget).toEqual([])
      expect(facts.accounts).toEqual(expectedAccounts(scenario, world.providerId, WORLD_END))
      expect(facts.duplicateEvents).toEqual([])
      // Every event the gateway had a 2xx for is stored, and nothing else (the dedup key is Stripe's event id).
      const accepted = new Set(attempts.filter((a) => a.status !== null && a.status < 300).map((a) => a.dedupId))
      expect(facts.events.reduce((n, e) => n + Number(e.keys), 0)).toBe(accepted.size)
      expect(facts.events.filter((e) => e.status === 'fetching')).toEqual([])
      expect(facts.quarantine).toEqual([])
      expect(audit.code, audit.stdout + audit.stderr).toBe(0)
      expect(parseJson(audit.stdout)).toMatchObject({ok: true})
      expect(syncs.at(-1)?.status, syncs.at(-1)?.stderr).toBe('ok')
      expect(flushes.at(-1), flushes.at(-1)?.out).toMatchObject({code: 0, pending: 0})

      expect(receiver.refused).toEqual([])
      expect(alerts.problems).toEqual([])
      // A customer's alerts reach the receiver in the order they were raised: the last one it processed carries the
      // balance the ledger ends with, whichever hosts raised and delivered them.
      expect(stale).toEqual([])
      // The raise itself is once per cause: one failed_transaction alert per failed transaction, whichever host saw it.
      expect(
        facts.outbox
          .filter((o) => o.event === 'failed_transaction')
          .map((o) => o.subject)
          .sort(),
      ).toEqual(failedTxns)
      expect(failedTxns.length).toBeGreaterThan(0)

      // The schedule did what it is for: kills of each kind of worker, of the deliverer and the sync lease holder,
      // webhooks cut off mid-request and sent to both servers at once, faults of the emulator.
      expect(kills.length).toBeGreaterThanOrEqual(MIN_KILLS)
      // No worker died on its own: each exit was one of the kills, or the SIGTERM at the end, which it obeyed (exit 4:
      // a sync --watch one of whose runs failed, a gateway fault outlasting its retries).
      for (const w of workers) {
        expect(w.exits.length, w.name).toBe(kills.filter((k) => k.worker === w.name).length + 1)
        expect(w.exits.at(-1)?.signal, w.exits.at(-1)?.stderr).toBeNull()
        expect([0, 4], w.exits.at(-1)?.stderr).toContain(w.exits.at(-1)?.code)
      }
      expect(new Set(kills.map((k) => k.worker.split('-')[0])).size).toBe(2)
      expect(stats.killedSync).toBeGreaterThan(0)
      expect(stats.killedDeliverer).toBeGreaterThan(0)
      // Some of those kills fell between a send and its record: resent under the same webhook-id, processed once.
      expect(alerts.repeated.length).toBeGreaterThan(0)
      expect(balancer.stats.doubled).toBeGreaterThan(10)
      expect(stats.webhooks.cut).toBeGreaterThan(0)
      expect(delivered).toMatchObject({failed: 0, pending: 0})
      expect(Object.values(world.stripe.faultCounts).reduce((a, b) => a + b, 0)).toBeGreaterThan(0)
    }, 300_000)
  },
)

function parseJson<T = unknown>(text: string): T | undefined {
  try {
    return JSON.parse(text) as T
  } catch {
    return undefined
  }
}

/**
 * Customers whose last processed balance_changed alert carries another balance than the ledger's final one (per
 * currency, zero left out, as the alert has it).
 */
function staleBalances(
  receipts: readonly Receipt[],
  ledger: ReadonlyArray<{account: string; currency: string; minor: number}>,
): Array<{customer: string; alerted: string; ledger: string}> {
  const seen = new Set<string>()
  const last = new Map<string, string>()
  for (const r of receipts) {
    if (seen.has(r.id)) continue
    seen.add(r.id)
    const alert = JSON.parse(r.body) as {
      type: string
      data: {customer: string; balances: Array<{currency: string; minor: number}>}
    }
    if (alert.type !== 'balance_changed') continue
    last.set(alert.data.customer, alert.data.balances.map((b) => `${b.minor} ${b.currency}`).join(', '))
  }
  const final = new Map<string, string[]>()
  for (const b of ledger) {
    const customer = b.account.slice('customer:'.length)
    final.set(customer, [...(final.get(customer) ?? []), `${Number(b.minor)} ${b.currency}`])
  }
  return [...last]
    .map(([customer, alerted]) => ({customer, alerted, ledger: (final.get(customer) ?? []).join(', ')}))
    .filter((c) => c.alerted !== c.ledger)
}
