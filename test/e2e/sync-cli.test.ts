import {spawn} from 'node:child_process'
import {hostname} from 'node:os'

import {afterAll, beforeAll, describe, expect, it} from 'vitest'
import {z} from 'zod'

import {compareWithTruth, expectedTransactions, formatComparison} from '../../src/sandbox/truth.js'
import {addProvider} from '../../src/services/providers.js'
import {storedTransactions} from '../../src/store/repos/transactions.js'
import {all, get, run} from '../../src/store/ops/op.js'
import {BIN, runCli} from '../helpers/cli.js'
import {onHomeLedger, openHomeLedger} from '../helpers/home-ledger.js'
import {storeEnv} from '../helpers/pg-mode.js'
import {
  createSyncWorld,
  manualClock,
  secretEnv,
  WORLD_END,
  worldScenario,
  type SyncWorld,
} from '../helpers/sync-world.js'
import {expectedAccounts} from '../services/sync/oracle.js'

/** The built binary as cron runs it: `sync --json`, exit codes, overlapping runs, a crashed run's lease. */
const RunSchema = z.object({
  provider: z.string(),
  status: z.enum(['ok', 'failed', 'skipped_locked', 'stopped']),
  pages: z.number(),
  posted: z.number(),
  error: z.string().optional(),
})
const SyncJson = z.object({
  runs: z.array(RunSchema),
  totals: z.object({providers: z.number(), failed: z.number(), skippedLocked: z.number(), stopped: z.number()}),
})
const ErrorJson = z.object({error: z.object({message: z.string(), exitCode: z.number()})})

const scenario = worldScenario(1_000, 61)
// No D-Bus: secrets come from the environment only, as in cron; a missing one must be named, not looked for forever.
const cronEnv = (extra: Record<string, string>) => ({DBUS_SESSION_BUS_ADDRESS: '', ...extra})

/** The home's ledger (either engine) against the world's truth: every transaction, every account, balanced. */
async function checkLedger(world: SyncWorld): Promise<void> {
  const {stored, accounts, unbalanced} = await onHomeLedger(world.home, (ledger) =>
    ledger.read(
      (function* () {
        return {
          stored: (yield* storedTransactions.ops()).map((s) => s.txn),
          accounts: yield* all<{account: string; currency: string; minor: number}>(
            'SELECT account, currency, SUM(amount_minor) AS minor FROM ledger_postings GROUP BY account, currency HAVING SUM(amount_minor) != 0 ORDER BY account, currency',
          ),
          unbalanced: yield* all(
            'SELECT txn_id, version, currency FROM ledger_postings GROUP BY txn_id, version, currency HAVING SUM(amount_minor) != 0',
          ),
        }
      })(),
    ),
  )
  const cmp = compareWithTruth(stored, expectedTransactions(scenario, world.stripe.emulator, 'own', WORLD_END))
  expect(cmp.ok, formatComparison(cmp)).toBe(true)
  expect(Object.fromEntries(accounts.map((r) => [`${r.account}|${r.currency}`, r.minor]))).toEqual(
    expectedAccounts(scenario, world.providerId, WORLD_END),
  )
  expect(unbalanced).toEqual([])
}

/** The binary as cron starts it on this home (its database in the PostgreSQL run). */
async function spawnSync(world: SyncWorld, stdio: 'ignore' | 'pipe') {
  return spawn(process.execPath, [BIN, 'sync', '--provider', world.providerId, '--json'], {
    env: {
      PATH: process.env.PATH ?? '',
      HOME: process.env.HOME ?? '/tmp',
      CI: 'true',
      YMS_PAY_HOME: world.home,
      ...cronEnv(world.env),
      ...(await storeEnv(world.home)),
    },
    stdio: ['ignore', stdio, stdio],
  })
}

const RUNNING_WITH_A_PAGE = `SELECT id FROM sync_runs WHERE status = 'running' AND pages > 0`

describe('sync (built binary): overlapping runs', () => {
  let world: SyncWorld
  // Slow enough (150 ms a request) that the run outlasts the other process's start-up.
  beforeAll(async () => void (world = await createSyncWorld({scenario, clock: manualClock(WORLD_END), delayMs: 150})))
  afterAll(() => world?.close())

  it('two syncs started together: one syncs (exit 0), the other reports skipped_locked (exit 75); nothing is posted twice', async () => {
    const [a, b] = await Promise.all(
      [0, 1].map(() =>
        runCli(['sync', '--provider', world.providerId, '--json'], {
          home: world.home,
          env: cronEnv(world.env),
          timeoutMs: 60_000,
        }),
      ),
    )
    const results = [a!, b!].sort((x, y) => x.code - y.code)
    expect(
      results.map((r) => r.code),
      results.map((r) => r.stderr).join('\n'),
    ).toEqual([0, 75])
    expect(SyncJson.parse(results[0]!.json()).runs.map((r) => r.status)).toEqual(['ok'])
    const locked = SyncJson.parse(results[1]!.json())
    expect(locked.runs.map((r) => [r.status, r.pages, r.posted])).toEqual([['skipped_locked', 0, 0]])
    expect(locked.totals.skippedLocked).toBe(1)
    await checkLedger(world)
    // And a third run, after both: nothing new, exit 0, nothing posted.
    const again = await runCli(['sync', '--provider', world.providerId, '--json'], {
      home: world.home,
      env: cronEnv(world.env),
      timeoutMs: 60_000,
    })
    expect(again.code, again.stderr).toBe(0)
    expect(SyncJson.parse(again.json()).runs[0]).toMatchObject({status: 'ok', posted: 0})
    await checkLedger(world)
  }, 90_000)
})

describe('sync (built binary): a crashed run', () => {
  let world: SyncWorld
  let stoppedRun: {exit: number | null; status: string; recorded: string} | undefined
  beforeAll(async () => void (world = await createSyncWorld({scenario, clock: manualClock(WORLD_END), delayMs: 150})))
  afterAll(() => world?.close())

  it("a SIGKILLed run's lease is taken over by the next run on this host (its process is gone); the ledger is exact", async () => {
    const child = await spawnSync(world, 'ignore')
    const closed = new Promise<NodeJS.Signals | null>((r) => child.on('close', (_code, signal) => r(signal)))
    // Kill it mid-run: it holds the lease and has committed a page.
    const raw = await openHomeLedger(world.home)
    try {
      for (let i = 0; i < 200 && (await raw.handle.read(all(RUNNING_WITH_A_PAGE))).length === 0; i++)
        await new Promise((r) => setTimeout(r, 50))
      child.kill('SIGKILL')
      expect(await closed).toBe('SIGKILL')
      const lease = await raw.handle.read(
        get<{owner: string; expires_at: string}>('SELECT owner, expires_at FROM leases WHERE name = ?', [
          `sync:${world.providerId}`,
        ]),
      )
      expect(lease!.owner).toContain(`#${child.pid}#`)
      expect(Date.parse(lease!.expires_at) - Date.now()).toBeGreaterThan(4 * 60_000) // left behind for the TTL
    } finally {
      await raw.close()
    }
    const next = await runCli(['sync', '--provider', world.providerId, '--json'], {
      home: world.home,
      env: cronEnv(world.env),
      timeoutMs: 60_000,
    })
    expect(next.code, next.stdout + next.stderr).toBe(0)
    expect(SyncJson.parse(next.json()).runs[0]!.status).toBe('ok')
    await checkLedger(world)
  }, 60_000)

  // A killed run's row must not stay 'running' forever: status counts failures, and a provider whose cron runs are
  // OOM-killed every night must show them.
  it("the killed run is recorded as failed once its lease is taken over, not left 'running'", async () => {
    const runs = await onHomeLedger(world.home, (ledger) =>
      ledger.read(all<{status: string}>(`SELECT status FROM sync_runs ORDER BY id`)),
    )
    expect(runs.map((r) => r.status)).toEqual(['failed', 'ok'])
  })

  it('SIGTERM finishes the page in flight and exits by itself; the next run continues from the cursor and is exact', async () => {
    const fresh = await createSyncWorld({scenario, clock: manualClock(WORLD_END), delayMs: 150})
    try {
      const child = await spawnSync(fresh, 'pipe')
      let stdout = ''
      child.stdout!.on('data', (d: Buffer) => (stdout += d.toString()))
      const closed = new Promise<{code: number | null; signal: NodeJS.Signals | null}>((r) =>
        child.on('close', (code, signal) => r({code, signal})),
      )
      const raw = await openHomeLedger(fresh.home)
      const one = <T>(sql: string) => raw.handle.read(get<T>(sql))
      try {
        for (let i = 0; i < 200 && (await raw.handle.read(all(RUNNING_WITH_A_PAGE))).length === 0; i++)
          await new Promise((r) => setTimeout(r, 20))
        const sentAt = Date.now()
        child.kill('SIGTERM')
        const exit = await closed
        expect(exit.signal).toBeNull() // it stopped itself, after committing
        expect(Date.now() - sentAt).toBeLessThan(5_000)
        const stopped = SyncJson.parse(JSON.parse(stdout)).runs[0]!
        const last = (await one<{pages: number; status: string}>(
          `SELECT pages, status FROM sync_runs ORDER BY id DESC LIMIT 1`,
        ))!
        expect(stopped.pages).toBe(last.pages)
        expect(last.pages).toBeGreaterThan(0)
        expect(Number((await one<{n: number}>(`SELECT COUNT(*) AS n FROM transactions`))!.n)).toBeLessThan(
          expectedTransactions(scenario, fresh.stripe.emulator, 'own', WORLD_END).length,
        )
        stoppedRun = {exit: exit.code, status: stopped.status, recorded: last.status}
      } finally {
        await raw.close()
      }
      const next = await runCli(['sync', '--provider', fresh.providerId, '--json'], {
        home: fresh.home,
        env: cronEnv(fresh.env),
        timeoutMs: 60_000,
      })
      expect(next.code, next.stderr).toBe(0)
      await checkLedger(fresh)
    } finally {
      await fresh.close()
    }
  }, 60_000)

  // A run stopped before the gateway said hasMore=false is not a success: cron must see "try again" (75), and
  // status must not take its finish as the last successful sync.
  it('a run stopped by SIGTERM before the end is reported and recorded as stopped, exit 75', () => {
    expect(stoppedRun).toEqual({exit: 75, status: 'stopped', recorded: 'stopped'})
  })

  it('a lease held by a live process, or by a process on another host, still blocks: exit 75, skipped_locked', async () => {
    const expires = new Date(Date.now() + 5 * 60_000).toISOString()
    for (const owner of [`sync@${hostname()}#${process.pid}#livetest`, `sync@some-other-host#1#remote00`]) {
      await onHomeLedger(world.home, (ledger) =>
        ledger.write(
          (function* () {
            yield* run('DELETE FROM leases WHERE name = ?', [`sync:${world.providerId}`])
            yield* run('INSERT INTO leases (name, owner, acquired_at, expires_at) VALUES (?, ?, ?, ?)', [
              `sync:${world.providerId}`,
              owner,
              new Date().toISOString(),
              expires,
            ])
          })(),
        ),
      )
      const r = await runCli(['sync', '--provider', world.providerId, '--json'], {
        home: world.home,
        env: cronEnv(world.env),
        timeoutMs: 30_000,
      })
      expect(r.code, owner).toBe(75)
      expect(SyncJson.parse(r.json()).runs.map((x) => x.status)).toEqual(['skipped_locked'])
    }
  }, 60_000)
})

describe('sync (built binary): exit codes', () => {
  let world: SyncWorld
  beforeAll(async () => void (world = await createSyncWorld({scenario, clock: manualClock(WORLD_END)})))
  afterAll(() => world?.close())

  it('a missing API secret exits 78 naming YMS_PAY_SECRET_<ID>_API_KEY, and no secret is printed', async () => {
    const r = await runCli(['sync', '--provider', world.providerId, '--json'], {
      home: world.home,
      env: cronEnv({}),
      timeoutMs: 30_000,
    })
    expect(r.code, r.stdout + r.stderr).toBe(78)
    const out = SyncJson.parse(r.json())
    expect(out.runs[0]).toMatchObject({
      status: 'failed',
      error: expect.stringContaining('YMS_PAY_SECRET_ACME_STRIPE_API_KEY'),
    })
  })

  it('bad credentials exit 77 (the emulator answers 401) without echoing the key', async () => {
    const wrong = 'sk_test_definitelyNotTheKey123'
    const r = await runCli(['sync', '--provider', world.providerId, '--json'], {
      home: world.home,
      env: cronEnv(secretEnv(world.providerId, {api_key: wrong})),
      timeoutMs: 30_000,
    })
    expect(r.code, r.stdout + r.stderr).toBe(77)
    expect(SyncJson.parse(r.json()).runs[0]!.status).toBe('failed')
    expect(r.stdout + r.stderr).not.toContain(wrong)
    expect(r.stdout + r.stderr).not.toContain(world.stripe.emulator.secrets.api_key!)
  })

  it('one provider failing and another ok exits 4 (partial); the good one is synced in full', async () => {
    await onHomeLedger(world.home, (ledger) =>
      addProvider(ledger, world.ctx, {
        id: 'broken-stripe',
        kind: 'stripe',
        baseUrl: world.stripe.baseUrl,
        sites: [],
        settings: {},
        segments: ['*'],
        fallback: null,
        retrySchedule: null,
        maxRetries: null,
        secrets: {},
      }),
    )
    const env = cronEnv({...world.env, ...secretEnv('broken-stripe', {api_key: 'sk_test_wrong'})})
    const r = await runCli(['sync', '--json'], {home: world.home, env, timeoutMs: 60_000})
    expect(r.code, r.stdout + r.stderr).toBe(4)
    const out = SyncJson.parse(r.json())
    expect(Object.fromEntries(out.runs.map((x) => [x.provider, x.status]))).toEqual({
      'acme-stripe': 'ok',
      'broken-stripe': 'failed',
    })
    expect(out.totals).toMatchObject({providers: 2, failed: 1})
    await checkLedger(world)
  })

  it('an unknown --provider is a usage error (exit 2)', async () => {
    const r = await runCli(['sync', '--provider', 'nope', '--json'], {home: world.home, env: cronEnv(world.env)})
    expect(r.code).toBe(2)
    expect(ErrorJson.parse(r.json()).error.message).toMatch(/nope/)
  })
})
