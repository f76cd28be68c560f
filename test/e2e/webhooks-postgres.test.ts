import {spawn, type ChildProcess} from 'node:child_process'
import {createServer as createHttpServer, request as httpRequest, type IncomingMessage} from 'node:http'
import {createServer} from 'node:net'
import {createInterface} from 'node:readline'

import {afterAll, beforeAll, describe, expect, it} from 'vitest'

import {generateScenario} from '../../src/sandbox/generate.js'
import {paymentsFor, scenarioEvents} from '../../src/sandbox/model.js'
import {createRng} from '../../src/sandbox/prng.js'
import {webhookUrlFor} from '../../src/sandbox/serve.js'
import {createWebhookDelivery, type DeliveryAttempt, type DeliveryStats} from '../../src/sandbox/webhook-delivery.js'
import {verifyAudit} from '../../src/services/audit.js'
import {type LedgerHandle, sqliteHandle, storeHandle} from '../../src/store/ops/ledger-handle.js'
import {all, type Ops, run, value} from '../../src/store/ops/op.js'
import {pgStore} from '../../src/store/seam/pg-store.js'
import type {Store} from '../../src/store/seam/store.js'
import {BIN, runCli} from '../helpers/cli.js'
import {testPostgres} from '../helpers/postgres.js'
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
const KILLS = 12
const scenario = generateScenario({
  seed: 61,
  customers: 30,
  transactions: 360,
  start: '2026-07-01T00:00:00.000Z',
  end: '2026-07-15T00:00:00.000Z',
})
const clock = {now: () => Date.now()}

function freePort(): Promise<number> {
  return new Promise((resolve) => {
    const s = createServer()
    s.listen(0, '127.0.0.1', () => {
      const {port} = s.address() as {port: number}
      s.close(() => resolve(port))
    })
  })
}

interface Host {
  port: number
  child: ChildProcess | null
  lastExit: {code: number | null; signal: NodeJS.Signals | null; stderr: string} | null
}

/** `yms-pay webhooks serve --port N --json` on the PostgreSQL ledger, resolved once it is listening. */
function startServer(host: Host, env: Record<string, string>): Promise<void> {
  const child = spawn(process.execPath, [BIN, 'webhooks', 'serve', '--port', String(host.port), '--json'], {
    env: {
      PATH: process.env.PATH ?? '',
      HOME: process.env.HOME ?? '/tmp',
      CI: 'true',
      DBUS_SESSION_BUS_ADDRESS: '',
      ...env,
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  })
  let stderr = ''
  child.stderr!.on('data', (d: Buffer) => (stderr += d.toString()))
  child.on('close', (code, signal) => {
    host.lastExit = {code, signal, stderr}
    if (host.child === child) host.child = null
  })
  return new Promise((resolve, reject) => {
    createInterface({input: child.stdout!}).once('line', (line) => {
      if ((JSON.parse(line) as {event?: string}).event !== 'listening') reject(new Error(`first line: ${line}`))
      host.child = child
      resolve()
    })
    child.once('exit', (code) => reject(new Error(`webhooks serve exited ${code} before listening: ${stderr}`)))
  })
}

async function stop(host: Host, signal: NodeJS.Signals): Promise<void> {
  const child = host.child
  if (!child) return
  const closed = new Promise((r) => child.once('close', r))
  child.kill(signal)
  await closed
}

interface Answer {
  status: number
  headers: Record<string, string>
  body: Buffer
}

function forward(port: number, req: IncomingMessage, body: Buffer): Promise<Answer> {
  return new Promise((resolve, reject) => {
    const out = httpRequest(
      {host: '127.0.0.1', port, method: req.method, path: req.url, headers: req.headers},
      (res) => {
        const chunks: Buffer[] = []
        res.on('data', (c: Buffer) => chunks.push(c))
        res.on('end', () =>
          resolve({
            status: res.statusCode ?? 502,
            headers: {'content-type': String(res.headers['content-type'] ?? 'text/plain')},
            body: Buffer.concat(chunks),
          }),
        )
        res.on('error', reject)
      },
    )
    out.on('error', reject)
    out.end(body)
  })
}

/**
 * The load balancer: each request to a live server at random, one in five to two at once. The gateway gets a 2xx
 * when either committed it, else the first server's refusal, or 502 when none answered.
 */
async function startBalancer(port: number, hosts: readonly Host[], seed: number) {
  const rng = createRng(seed)
  const stats = {requests: 0, doubled: 0}
  const server = createHttpServer((req, res) => {
    const chunks: Buffer[] = []
    req.on('data', (c: Buffer) => chunks.push(c))
    req.on('end', () => {
      stats.requests++
      const live = hosts.filter((h) => h.child !== null)
      const first = live[Math.floor(rng.next() * live.length)]
      const targets = first ? [first] : []
      const others = live.filter((h) => h !== first)
      if (others.length > 0 && rng.next() < 0.2) {
        targets.push(others[Math.floor(rng.next() * others.length)]!)
        stats.doubled++
      }
      void Promise.allSettled(targets.map((h) => forward(h.port, req, Buffer.concat(chunks)))).then((settled) => {
        const answers = settled.flatMap((s) => (s.status === 'fulfilled' ? [s.value] : []))
        const answer = answers.find((a) => a.status >= 200 && a.status < 300) ?? answers[0]
        if (!answer) res.writeHead(502).end()
        else res.writeHead(answer.status, answer.headers).end(answer.body)
      })
    })
  })
  await new Promise<void>((resolve) => server.listen(port, '127.0.0.1', resolve))
  return {stats, close: () => new Promise<void>((resolve) => server.close(() => resolve()))}
}

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
  const hosts: Host[] = []
  let home: HookHome
  let world: HookWorld
  let clean: HookHome
  let cleanWorld: HookWorld
  let ledger: LedgerHandle
  let balancer: Awaited<ReturnType<typeof startBalancer>>
  const attempts: DeliveryAttempt[] = []
  let delivered: DeliveryStats[] = []
  let kills = 0
  let lastRun: Host['lastExit'] = null
  let facts: {
    events: {n: number; k: number; applied: number; twice: number}
    snapshot: Awaited<ReturnType<typeof ledgerSnapshotOf>>
    unbalanced: unknown[]
    audit: {ok: boolean}
  }

  beforeAll(async () => {
    const database = await postgres.freshDatabase()
    const c = database.connection
    const url = `postgres://${c.user}@${c.host}:${c.port}/${c.database}`
    const lbPort = await freePort()
    const lbUrl = `http://127.0.0.1:${lbPort}/webhooks/{kind}`
    home = await makeHome({scenario, clock})
    world = await startWorld({scenario, clock})
    await connectAll(home, world, lbUrl)
    // The home's ledger (sites, customers, invoices, providers) moves into PostgreSQL as a user moves it.
    const copy = await runCli(['store', 'copy', '--to', url, '--json'], {
      home: home.home,
      env: {PGPASSWORD: c.password},
      timeoutMs: 60_000,
    })
    expect(copy.code, copy.stderr).toBe(0)
    const store = pgStore(c)
    stores.push(store)
    ledger = storeHandle(store)
    const env = {
      ...(home.env as Record<string, string>),
      YMS_PAY_HOME: home.home,
      YMS_PAY_DATABASE_URL: url,
      PGPASSWORD: c.password,
    }

    for (let i = 0; i < HOSTS; i++) hosts.push({port: await freePort(), child: null, lastExit: null})
    await Promise.all(hosts.map((h) => startServer(h, env)))
    balancer = await startBalancer(lbPort, hosts, 14)
    const rng = createRng(2027)
    const delivering = deliverAll(world, lbUrl, (a) => attempts.push(a))
    let done = false
    void delivering.done.then(() => (done = true))
    while (!done && kills < KILLS) {
      await new Promise((r) => setTimeout(r, rng.int(100, 600)))
      if (done) break
      const victim = hosts[rng.int(0, HOSTS - 1)]!
      await stop(victim, 'SIGKILL')
      kills++
      await startServer(victim, env)
    }
    delivered = await delivering.done
    await delivering.stop()
    for (const h of hosts) await stop(h, 'SIGTERM')
    await balancer.close()

    // A killed host's claim on the events it was reading lapses after FETCH_CLAIM_MS (10 minutes): here at once.
    await ledger.write(
      run(`UPDATE webhook_events SET next_fetch_at = ? WHERE status = 'fetching'`, [new Date().toISOString()]),
    )
    // One clean run reads what is left, then stops on SIGTERM.
    const last: Host = {port: await freePort(), child: null, lastExit: null}
    await startServer(last, env)
    const until = Date.now() + 60_000
    while ((await ledger.read(value<number>(`SELECT COUNT(*) FROM webhook_events WHERE status = 'fetching'`))) !== 0) {
      if (Date.now() > until) throw new Error('events still fetching a minute after the clean run started')
      await new Promise((r) => setTimeout(r, 50))
    }
    await stop(last, 'SIGTERM')
    lastRun = last.lastExit

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
      unbalanced: await ledger.read(
        all(
          'SELECT txn_id, version, currency FROM ledger_postings GROUP BY txn_id, version, currency HAVING SUM(amount_minor) <> 0',
        ),
      ),
      audit: await ledger.read(verifyAudit.ops()),
    }
  }, 600_000)

  afterAll(async () => {
    for (const h of hosts) await stop(h, 'SIGKILL')
    for (const store of stores) await store.close()
    await home?.close()
    await clean?.close()
    await world?.close()
    await cleanWorld?.close()
  })

  it(`killed servers ${KILLS} times while the balancer doubled a fifth of the requests; the last stopped cleanly`, () => {
    const cut = attempts.filter((a) => a.status === 502).length
    console.log(
      'webhooks on PostgreSQL, several hosts',
      JSON.stringify({kills, ...balancer.stats, cut, ...facts.events}),
    )
    expect(kills).toBe(KILLS)
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
