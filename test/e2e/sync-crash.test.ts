import {spawn, type ChildProcess} from 'node:child_process'

import Database from 'better-sqlite3'
import {afterAll, beforeAll, describe, expect, it} from 'vitest'

import {postingDifference, targetPositions} from '../../src/core/ledger.js'
import {createRng} from '../../src/sandbox/prng.js'
import {compareWithTruth, expectedTransactions, formatComparison} from '../../src/sandbox/truth.js'
import {runSync as runSyncInProcess} from '../../src/services/sync/sync.js'
import {postedPositions, postingKeyOf} from '../../src/store/repos/ledger.js'
import {storedTransactions} from '../../src/store/repos/transactions.js'
import {BIN, runCli} from '../helpers/cli.js'
import {
  buildHome,
  createSyncWorld,
  manualClock,
  serveStripe,
  snapshot,
  unbalancedPostingSets,
  WORLD_END,
  worldScenario,
  type BuiltHome,
  type ServedStripe,
  type SyncWorld,
} from '../helpers/sync-world.js'
import {actualAccounts, expectedAccounts} from '../services/sync/oracle.js'
import {sqliteHandle} from '../../src/store/ops/ledger-handle.js'

/**
 * The headline: exactly-once under crashes. The built `yms-pay sync` is SIGKILLed 50 times at seeded random moments while
 * the Stripe emulator (in this process, behind 5 % faults: 500, 429, reset, truncated) keeps revealing new
 * payments, settlements, refunds and disputes; then a final run completes. The ledger must equal the one a clean,
 * uninterrupted sync builds in a fresh home from the same world.
 */
const KILLS = 50
const T0 = '2026-02-01T00:00:00.000Z'

interface ChildOutcome {
  killed: boolean
  code: number | null
  run: {status: string; pages: number; error?: string} | null
  stderr: string
}

/**
 * `yms-pay sync --provider <id> --json` as cron runs it. With `killAfterMs`, it is SIGKILLed that long after its
 * run has started (its sync_runs row appeared), so kills land in the sync itself rather than in process start-up.
 */
function runSync(home: BuiltHome, provider: string, killAfterMs: number | null): Promise<ChildOutcome> {
  const watch = new Database(home.dbFile, {readonly: true})
  const lastRun = (watch.prepare('SELECT COALESCE(MAX(id), 0) FROM sync_runs').pluck().get() as number) ?? 0
  return new Promise<ChildOutcome>((resolve, reject) => {
    const child: ChildProcess = spawn(process.execPath, [BIN, 'sync', '--provider', provider, '--json'], {
      env: {
        PATH: process.env.PATH ?? '',
        HOME: process.env.HOME ?? '/tmp',
        CI: 'true',
        DBUS_SESSION_BUS_ADDRESS: '',
        YMS_PAY_HOME: home.home,
        ...home.env,
      },
      stdio: ['ignore', 'pipe', 'pipe'],
    })
    let stdout = ''
    let stderr = ''
    let timer: NodeJS.Timeout | undefined
    const poll =
      killAfterMs === null
        ? undefined
        : setInterval(() => {
            if (watch.prepare('SELECT 1 FROM sync_runs WHERE id > ?').get(lastRun) === undefined) return
            clearInterval(poll)
            timer = setTimeout(() => child.kill('SIGKILL'), killAfterMs)
          }, 10)
    const guard = setTimeout(() => child.kill('SIGKILL'), 60_000)
    child.stdout!.on('data', (d: Buffer) => (stdout += d.toString()))
    child.stderr!.on('data', (d: Buffer) => (stderr += d.toString()))
    child.on('error', reject)
    child.on('close', (code, signal) => {
      clearInterval(poll)
      clearTimeout(timer)
      clearTimeout(guard)
      let run: ChildOutcome['run'] = null
      try {
        run = (JSON.parse(stdout) as {runs: Array<NonNullable<ChildOutcome['run']>>}).runs[0] ?? null
      } catch {
        // killed before it printed
      }
      resolve({killed: signal === 'SIGKILL', code, run, stderr})
    })
  }).finally(() => watch.close())
}

describe('exactly-once under crashes (SIGKILL x50, faults, a moving world)', () => {
  const scenario = worldScenario(3_000, 41)
  const clock = manualClock(T0)
  let world: SyncWorld
  let cleanStripe: ServedStripe
  let clean: BuiltHome

  beforeAll(async () => {
    world = await createSyncWorld({
      scenario,
      clock,
      faults: {rate: 0.05, kinds: ['500', '429', 'reset', 'truncated']},
      faultSeed: 9,
      delayMs: 2,
    })
  })
  afterAll(async () => {
    await world?.close()
    await cleanStripe?.close()
    clean?.cleanup()
  })

  it('after 50 kills and one completed run, transactions, postings per transaction and balances equal a clean run; every posting set balances; audit verifies', async () => {
    const started = Date.now()
    const rng = createRng(20260401)
    const outcomes: ChildOutcome[] = []
    const span = Date.parse(WORLD_END) - Date.parse(T0)
    for (let i = 0; i < KILLS; i++) {
      // The world moves on between runs (as between cron runs), so later runs walk the event feed and re-read charges.
      clock.set(new Date(Date.parse(T0) + Math.floor((span * i) / KILLS)).toISOString())
      outcomes.push(await runSync(world, world.providerId, Math.floor(rng.next() * 1_200)))
    }
    clock.set(WORLD_END)
    let final: ChildOutcome | null = null
    for (let attempt = 0; attempt < 5 && final?.run?.status !== 'ok'; attempt++)
      final = await runSync(world, world.providerId, null)
    expect(final?.run?.status, final?.stderr).toBe('ok')

    const killed = outcomes.filter((o) => o.killed)
    const survived = outcomes.filter((o) => !o.killed)
    // The kills must land inside real work, not only before or after it: check the runs they interrupted.
    const db = world.open()
    // A killed run's row is closed as failed ("died mid-run") when the next run takes its lease over; the last one
    // may still read 'running' if nothing took over after it.
    const interrupted = db.raw
      .prepare(
        `SELECT pages FROM sync_runs WHERE status = 'running' OR (status = 'failed' AND error LIKE '%died mid-run%')`,
      )
      .pluck()
      .all() as number[]
    const stats = {
      killed: killed.length,
      completedBeforeKill: survived.length,
      interruptedRuns: interrupted.length,
      interruptedAfterSomePages: interrupted.filter((p) => p > 0).length,
      failedRuns: survived.filter((o) => o.run?.status === 'failed').length,
      // A killed run's lease is taken over by the next run (its process is gone), so no run is ever locked out.
      skippedLocked: db.raw
        .prepare(`SELECT COUNT(*) FROM sync_runs WHERE status = 'skipped_locked'`)
        .pluck()
        .get() as number,
      faults: {...world.stripe.faultCounts},
      requests: world.stripe.requests(),
      crashPhaseMs: Date.now() - started,
    }
    console.log('crash loop', JSON.stringify(stats))
    expect(killed.length).toBeGreaterThanOrEqual(35)
    expect(stats.interruptedAfterSomePages).toBeGreaterThanOrEqual(30)
    expect(Object.values(stats.faults).reduce((a, b) => a + b, 0)).toBeGreaterThan(10)
    expect(stats.skippedLocked).toBe(0)

    // The clean run: a fresh home, an emulator of the same world without faults, one uninterrupted sync.
    cleanStripe = await serveStripe(scenario, {clock})
    clean = await buildHome(scenario, {
      providerId: world.providerId,
      baseUrl: cleanStripe.baseUrl,
      secrets: cleanStripe.emulator.secrets,
    })
    const cdb = clean.open()
    const signals = {stop: new AbortController().signal, abort: new AbortController().signal}
    expect(
      (await runSyncInProcess(sqliteHandle(cdb), clean.ctx, {providers: [world.providerId], signals})).runs[0]?.status,
    ).toBe('ok')

    const crashed = snapshot(db)
    const reference = snapshot(cdb)
    expect(Object.keys(crashed.transactions).length).toBeGreaterThan(3_000)
    expect(crashed.transactions).toEqual(reference.transactions)
    expect(crashed.positions).toEqual(reference.positions)
    expect(crashed.customerBalances).toEqual(reference.customerBalances)
    // Both equal the world itself: the scenario truth and the balances computed from the scenario alone.
    const stored = storedTransactions(db).map((s) => s.txn)
    const cmp = compareWithTruth(stored, expectedTransactions(scenario, world.stripe.emulator, 'own', WORLD_END))
    expect(cmp.ok, formatComparison(cmp)).toBe(true)
    expect(actualAccounts(db)).toEqual(expectedAccounts(scenario, world.providerId, WORLD_END))

    // Every posting set (txn, version) balances per currency, and each transaction's postings sum to exactly the
    // target of its final state (a duplicated or lost version would leave a difference).
    expect(unbalancedPostingSets(db)).toEqual([])
    const off = storedTransactions(db).filter(
      (r) =>
        postingDifference(targetPositions(r.txn, r.customerId!), postedPositions(db, postingKeyOf(db, r.txn.id)).lines)
          .length > 0,
    )
    expect(off.map((r) => r.txn.id)).toEqual([])
    db.close()
    cdb.close()

    const audit = await runCli(['audit', 'verify', '--json'], {home: world.home})
    expect(audit.code, audit.stdout + audit.stderr).toBe(0)
    console.log('crash test total ms', Date.now() - started)
  }, 300_000)
})
