import {afterAll, afterEach, beforeAll, describe, expect, it} from 'vitest'

import type {GatewayCall} from '../../../src/core/gateway-call.js'
import {ExitCode} from '../../../src/core/errors.js'
import {compareWithTruth, expectedTransactions, formatComparison} from '../../../src/sandbox/truth.js'
import {verifyAudit} from '../../../src/services/audit.js'
import {syncExitCode} from '../../../src/services/sync/exit-code.js'
import {handleWriter} from '../../../src/services/sync/page-writer.js'
import type {ApplyScope} from '../../../src/services/sync/scope.js'
import {runSync} from '../../../src/services/sync/sync.js'
import {watchSync} from '../../../src/services/sync/watch.js'
import type {LedgerHandle} from '../../../src/store/ops/ledger-handle.js'
import {all, type Ops, value} from '../../../src/store/ops/op.js'
import {listCustomers, upsertCustomers} from '../../../src/store/repos/customers.js'
import {addGrant, listGrants} from '../../../src/store/repos/grants.js'
import {listInvoices, upsertInvoices} from '../../../src/store/repos/invoices.js'
import {getLease} from '../../../src/store/repos/leases.js'
import {getProvider, insertProvider} from '../../../src/store/repos/providers.js'
import {listSites, upsertSites} from '../../../src/store/repos/sites.js'
import {loadCursor, startRun} from '../../../src/store/repos/sync-state.js'
import {storedTransactions} from '../../../src/store/repos/transactions.js'
import {testPostgres} from '../../helpers/postgres.js'
import {createSyncWorld, testContext, WORLD_END, worldScenario, type SyncWorld} from '../../helpers/sync-world.js'
import {type HandleEngine, type HandleUnderTest, handleEngines} from '../../store/ops/engines.js'
import {denseSeqs} from '../../helpers/dense-seqs.js'

const postgres = await testPostgres()

/**
 * `sync` and `sync --watch` on both engines, through the handle a PostgreSQL ledger is used by: the Stripe emulator
 * of a generated scenario, the YMS side of it (sites, customers, invoices, the provider and its `*` grant) in a fresh
 * ledger per test, and the whole service (runSync, watchSync) on it. Each engine must store the scenario's truth, the
 * two the same ledger row for row, and several hosts on one ledger must never sync a provider at once.
 */
const T1 = '2026-02-15T00:00:00.000Z'
const PROVIDER = 'acme-stripe'
const scenario = worldScenario(300, 41)

/** The scenario's clock, shared by the emulator and the ledger: fixed, or moving with real time from where it is. */
const clock = (() => {
  let at = Date.parse(T1)
  let since: number | null = null
  return {
    now: () => (since === null ? at : at + Math.floor(performance.now() - since)),
    set(iso: string) {
      at = Date.parse(iso)
      since = null
    },
    /** Moves with real time until the next set() or freeze(). */
    run() {
      since = performance.now()
    },
    freeze(): string {
      at = clock.now()
      since = null
      return new Date(at).toISOString()
    },
  }
})()

let world: SyncWorld
beforeAll(async () => {
  // The YMS side is built once, by the import services, into a SQLite home; each test's ledger gets a copy of it.
  world = await createSyncWorld({scenario, clock, providerId: PROVIDER, delayMs: 2})
})
afterAll(async () => {
  await world?.close()
})

const engines = handleEngines(postgres)
const opened: HandleUnderTest[] = []
afterEach(async () => {
  while (opened.length > 0) await opened.pop()!.close()
  clock.set(T1)
})

/** A fresh ledger on the engine holding the world's sites, customers, invoices and provider. */
async function open(engine: HandleEngine): Promise<HandleUnderTest> {
  const h = await engine.open(clock.now)
  opened.push(h)
  const source = world.open()
  try {
    const provider = getProvider(source, PROVIDER)!
    const sites = listSites(source)
    const customers = listCustomers(source)
    const invoices = listInvoices(source)
    const grants = listGrants(source, PROVIDER)
    await h.handle.write(
      (function* () {
        yield* upsertSites.ops(sites)
        yield* upsertCustomers.ops(customers)
        yield* upsertInvoices.ops(invoices)
        yield* insertProvider.ops({id: provider.id, kind: provider.kind, baseUrl: provider.baseUrl, sites: []})
        for (const g of grants) yield* addGrant.ops(g)
      })(),
    )
  } finally {
    source.close()
  }
  return h
}

const ctx = (env: NodeJS.ProcessEnv = {}) => testContext(world.home, {...world.env, ...env}, clock.now)
const never = () => ({stop: new AbortController().signal, abort: new AbortController().signal})

async function expectTruth(handle: LedgerHandle, at: string): Promise<void> {
  const stored = (await handle.read(storedTransactions.ops(PROVIDER))).map((s) => s.txn)
  const cmp = compareWithTruth(stored, expectedTransactions(scenario, world.stripe.emulator, 'own', at))
  expect(cmp.ok, formatComparison(cmp)).toBe(true)
  const unbalanced = await handle.read(
    all(
      'SELECT txn_id, version, currency FROM ledger_postings GROUP BY txn_id, version, currency HAVING SUM(amount_minor) != 0',
    ),
  )
  expect(unbalanced).toEqual([])
  expect(await handle.read(verifyAudit.ops())).toMatchObject({ok: true})
}

function* count(sql: string): Ops<number> {
  return Number(yield* value<number | bigint>(sql))
}

/**
 * The ledger as rows, for comparing one engine's with the other's. Left out: what differs by design between two
 * runs (the run's owner names the process; a call's duration is measured) and the identity counters.
 */
function* ledgerRows() {
  return denseSeqs({
    transactions: yield* all('SELECT * FROM transactions ORDER BY id'),
    states: yield* all('SELECT * FROM transaction_states ORDER BY txn_id, version'),
    postings: yield* all('SELECT * FROM ledger_postings ORDER BY txn_seq, version, account, currency'),
    balances: yield* all('SELECT * FROM ledger_balances ORDER BY account, currency, site'),
    quarantine: yield* all('SELECT * FROM quarantine ORDER BY id'),
    skipped: yield* all('SELECT * FROM sync_skipped ORDER BY id'),
    runs: yield* all(
      'SELECT id, provider, started_at, finished_at, status, error, pages, fetched, inserted, updated, unchanged, quarantined, skipped, posted FROM sync_runs ORDER BY id',
    ),
    cursors: yield* all('SELECT * FROM sync_cursors ORDER BY provider'),
    calls: yield* all('SELECT provider, endpoint, method, status, outcome, attempt FROM gateway_calls ORDER BY id'),
    latency: yield* all('SELECT * FROM sync_latency ORDER BY txn_id'),
    outbox: yield* all(
      'SELECT seq, event, subject, provider, customer, site, order_key, dedup_key, payload, raised_at FROM alerts_outbox ORDER BY seq',
    ),
    audit: yield* all('SELECT * FROM audit_log ORDER BY seq'),
  })
}

/**
 * A first sync at T1, a second at the end of the world: the same on either engine. `env` may keep SQLite's pages on
 * the calling thread: the writer thread keeps the caller's clock as an offset from its own, so a fixed clock moves a
 * few milliseconds there.
 */
async function twoSyncs(h: HandleUnderTest, env: NodeJS.ProcessEnv = {}) {
  const first = await runSync(h.handle, ctx(env), {providers: [PROVIDER], signals: never()})
  const afterFirst = await h.handle.read(storedTransactions.ops(PROVIDER))
  clock.set(WORLD_END)
  const second = await runSync(h.handle, ctx(env), {providers: [PROVIDER], signals: never()})
  return {first, afterFirst, second, rows: await h.handle.read(ledgerRows())}
}

describe.each(engines)('sync on $engine', (engine) => {
  it.skipIf(engine.skip !== undefined)(
    'a first sync stores the truth at T1, a later one the changes since, each posting balanced and audited',
    async () => {
      const h = await open(engine)
      const {first, afterFirst, second, rows} = await twoSyncs(h)
      expect(first.runs.map((r) => [r.status, r.error])).toEqual([['ok', undefined]])
      expect(first.runs[0]!.pages).toBeGreaterThan(2)
      const truthAtT1 = expectedTransactions(scenario, world.stripe.emulator, 'own', T1)
      const cmp = compareWithTruth(
        afterFirst.map((s) => s.txn),
        truthAtT1,
      )
      expect(cmp.ok, formatComparison(cmp)).toBe(true)
      expect(truthAtT1.length).toBeGreaterThan(100)
      expect(first.totals.inserted).toBe(truthAtT1.length)

      expect(second.runs.map((r) => [r.status, r.error])).toEqual([['ok', undefined]])
      expect(second.totals.updated + second.totals.inserted).toBeGreaterThan(0)
      await expectTruth(h.handle, WORLD_END)
      expect(await h.handle.read(count(`SELECT COUNT(*) FROM quarantine WHERE status = 'open'`))).toBe(0)
      expect(rows.runs.map((r) => r.status)).toEqual(['ok', 'ok'])
      expect(rows.audit.filter((a) => a.action === 'sync.page')).toHaveLength(first.totals.pages + second.totals.pages)
      // Released at the end of each run: the next host need not wait for it to expire.
      expect(await h.handle.read(getLease.ops(`sync:${PROVIDER}`))).toBeNull()
    },
  )

  it.skipIf(engine.skip !== undefined)(
    'two hosts syncing one provider at once: one runs, the other is refused (exit 75) and writes nothing',
    async () => {
      const h = await open(engine)
      const other = h.another()
      const [a, b] = await Promise.all([
        runSync(h.handle, ctx(), {providers: [PROVIDER], signals: never()}),
        runSync(other, ctx(), {providers: [PROVIDER], signals: never()}),
      ])
      const statuses = [a, b].map((r) => r.runs[0]!.status)
      expect(statuses.toSorted()).toEqual(['ok', 'skipped_locked'])
      const loser = a.runs[0]!.status === 'ok' ? b : a
      expect(syncExitCode(loser.runs)).toBe(ExitCode.locked)
      expect(loser.runs[0]!.error).toMatch(/^locked by sync@/)
      expect(loser.totals.pages).toBe(0)
      await expectTruth(h.handle, T1)
      // The refused host may sync as soon as the other is done: nothing new, nothing posted twice.
      const again = await runSync(other, ctx(), {providers: [PROVIDER], signals: never()})
      expect(again.runs[0]).toMatchObject({status: 'ok', inserted: 0, updated: 0, posted: 0})
      await expectTruth(h.handle, T1)
      const runs = await h.handle.read(all<{status: string}>('SELECT status FROM sync_runs ORDER BY id'))
      expect(runs.map((r) => r.status).toSorted()).toEqual(['ok', 'ok', 'skipped_locked'])
    },
  )

  it.skipIf(engine.skip !== undefined)(
    'hosts watching one provider take turns: never two runs of it at once, and the ledger is the truth',
    async () => {
      const h = await open(engine)
      const hosts = [h.handle, h.another(), h.another()]
      clock.run()
      const stop = new AbortController()
      const runs: string[][] = hosts.map(() => [])
      const watching = hosts.map((ledger, i) =>
        // SQLite's pages on the calling thread: a writer thread started from the TypeScript sources takes about a
        // second, which would make every run long beside the interval.
        watchSync(ledger, ctx({YMS_PAY_SYNC_WORKER: '0'}), {
          providers: [PROVIDER],
          intervalMs: 40,
          retries: false,
          signals: {stop: stop.signal, abort: new AbortController().signal},
          onRun: (run) => {
            runs[i]!.push(run.status)
            if (runs.every((r) => r.filter((s) => s === 'ok').length >= 2) || runs.flat().length > 200) stop.abort()
          },
        }),
      )
      const results = await Promise.all(watching)
      const at = clock.freeze()
      for (const r of results)
        expect(r.runs.every((run) => run.status === 'ok' || run.status === 'skipped_locked')).toBe(true)
      console.log(
        engine.engine,
        runs.map((r) => r.map((s) => s[0]).join('')),
      )
      // Each host had its turns.
      expect(runs.map((r) => r.filter((s) => s === 'ok').length >= 2)).toEqual([true, true, true])
      expect(runs.flat()).toContain('skipped_locked')
      // The runs that held the lease, by the ledger's clock: none began before the one before it had finished.
      const held = await h.handle.read(
        all<{started_at: string; finished_at: string}>(
          `SELECT started_at, finished_at FROM sync_runs WHERE status = 'ok' ORDER BY started_at, id`,
        ),
      )
      expect(held.length).toBe(runs.flat().filter((s) => s === 'ok').length)
      for (let i = 1; i < held.length; i++) expect(held[i]!.started_at >= held[i - 1]!.finished_at).toBe(true)
      const last = await runSync(h.handle, ctx(), {providers: [PROVIDER], signals: never()})
      expect(last.runs[0]!.status).toBe('ok')
      await expectTruth(h.handle, at)
    },
  )

  it.skipIf(engine.skip !== undefined)(
    'the page writer commits through the handle in order, one commit at a time, the pages that queued up behind one together, and refuses every page after a failed one',
    async () => {
      const h = await open(engine)
      const runId = await h.handle.write(startRun.ops(PROVIDER, 'me'))
      const events: string[] = []
      const traced: LedgerHandle = {
        engine: h.handle.engine,
        db: h.handle.db,
        read: (body) => h.handle.read(body),
        async write(body) {
          const n = events.filter((e) => e.startsWith('start')).length + 1
          events.push(`start ${n}`)
          // Slow enough that a writer not waiting for the previous commit would start the next one meanwhile.
          await new Promise((r) => setTimeout(r, 20))
          try {
            return await h.handle.write(body)
          } finally {
            events.push(`end ${n}`)
          }
        },
      }
      const scope: ApplyScope = {
        provider: PROVIDER,
        kind: 'stripe',
        actor: 'sync-test',
        source: 'pull',
        grants: [],
        latencySince: null,
        customers: new Map(),
      }
      const writer = handleWriter(traced, scope, {runId, lease: {name: `sync:${PROVIDER}`, owner: 'me', ttlMs: 60_000}})
      const call = (attempt: number): GatewayCall => ({
        provider: PROVIDER,
        endpoint: '/v1/charges',
        method: 'GET',
        status: 200,
        durationMs: 5,
        outcome: 'ok',
        attempt,
        at: clock.now(),
      })
      const page = (n: number, attempt = 1) => ({
        page: {items: [], invalid: [], next: {after: `ch_${n}`}},
        pageNo: n,
        calls: [call(attempt)],
      })
      // Handed over at once, as the sync does while it fetches: the first finds the writer idle and commits alone,
      // the others queue behind it and go in the next commit, where the store refuses the third page's call.
      const written = [page(1), page(2), page(3, 0), page(4)].map((p) => writer.write(p))
      const settled = await Promise.allSettled(written)
      await writer.close()
      expect(settled.map((s) => s.status)).toEqual(['fulfilled', 'rejected', 'rejected', 'rejected'])
      // The commit's pages fail with its error; nothing of them is in.
      for (const k of [1, 3])
        expect((settled[k] as PromiseRejectedResult).reason).toBe((settled[2] as PromiseRejectedResult).reason)
      expect(events).toEqual(['start 1', 'end 1', 'start 2', 'end 2'])
      expect(await h.handle.read(loadCursor.ops(PROVIDER))).toEqual({after: 'ch_1'})
      expect(await h.handle.read(count('SELECT pages FROM sync_runs'))).toBe(1)
      expect(await h.handle.read(count('SELECT COUNT(*) FROM gateway_calls'))).toBe(1)
      // A writer given no page after the failure refuses the next one too, never trying it.
      await expect(writer.write(page(5))).rejects.toBe((settled[2] as PromiseRejectedResult).reason)
      expect(events).toHaveLength(4)
    },
  )
})

describe.skipIf(postgres.skip !== undefined)('sync, engine against engine', () => {
  it('leaves the same ledger, row for row', async () => {
    const [sqlite, pg] = [engines.find((e) => e.engine === 'sqlite')!, engines.find((e) => e.engine === 'postgres')!]
    const a = await twoSyncs(await open(sqlite), {YMS_PAY_SYNC_WORKER: '0'})
    clock.set(T1)
    const b = await twoSyncs(await open(pg))
    expect(b.first.totals).toEqual(a.first.totals)
    expect(b.second.totals).toEqual(a.second.totals)
    for (const table of Object.keys(a.rows) as Array<keyof typeof a.rows>) {
      if (['transactions', 'postings', 'runs', 'audit'].includes(table))
        expect(b.rows[table].length, table).toBeGreaterThan(0)
      expect(b.rows[table], table).toEqual(a.rows[table])
    }
  })
})
