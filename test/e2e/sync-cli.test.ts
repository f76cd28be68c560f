import {spawn} from 'node:child_process'
import {hostname} from 'node:os'

import Database from 'better-sqlite3'
import {afterAll, beforeAll, describe, expect, it} from 'vitest'
import {z} from 'zod'

import {compareWithTruth, expectedTransactions, formatComparison} from '../../src/sandbox/truth.js'
import {addProvider} from '../../src/services/providers.js'
import {storedTransactions} from '../../src/store/repos/transactions.js'
import {BIN, runCli} from '../helpers/cli.js'
import {
  createSyncWorld,
  manualClock,
  secretEnv,
  unbalancedPostingSets,
  WORLD_END,
  worldScenario,
  type SyncWorld,
} from '../helpers/sync-world.js'
import {actualAccounts, expectedAccounts} from '../services/sync/oracle.js'
import {sqliteHandle} from '../../src/store/ops/ledger-handle.js'

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

function checkLedger(world: SyncWorld): void {
  const db = world.open()
  try {
    const stored = storedTransactions(db).map((s) => s.txn)
    const cmp = compareWithTruth(stored, expectedTransactions(scenario, world.stripe.emulator, 'own', WORLD_END))
    expect(cmp.ok, formatComparison(cmp)).toBe(true)
    expect(actualAccounts(db)).toEqual(expectedAccounts(scenario, world.providerId, WORLD_END))
    expect(unbalancedPostingSets(db)).toEqual([])
  } finally {
    db.close()
  }
}

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
    checkLedger(world)
    // And a third run, after both: nothing new, exit 0, nothing posted.
    const again = await runCli(['sync', '--provider', world.providerId, '--json'], {
      home: world.home,
      env: cronEnv(world.env),
      timeoutMs: 60_000,
    })
    expect(again.code, again.stderr).toBe(0)
    expect(SyncJson.parse(again.json()).runs[0]).toMatchObject({status: 'ok', posted: 0})
    checkLedger(world)
  }, 90_000)
})

describe('sync (built binary): a crashed run', () => {
  let world: SyncWorld
  let stoppedRun: {exit: number | null; status: string; recorded: string} | undefined
  beforeAll(async () => void (world = await createSyncWorld({scenario, clock: manualClock(WORLD_END), delayMs: 150})))
  afterAll(() => world?.close())

  it("a SIGKILLed run's lease is taken over by the next run on this host (its process is gone); the ledger is exact", async () => {
    const child = spawn(process.execPath, [BIN, 'sync', '--provider', world.providerId, '--json'], {
      env: {
        PATH: process.env.PATH ?? '',
        HOME: process.env.HOME ?? '/tmp',
        CI: 'true',
        YMS_PAY_HOME: world.home,
        ...cronEnv(world.env),
      },
      stdio: 'ignore',
    })
    const closed = new Promise<NodeJS.Signals | null>((r) => child.on('close', (_code, signal) => r(signal)))
    // Kill it mid-run: it holds the lease and has committed a page.
    const raw = new Database(world.dbFile, {readonly: true})
    try {
      for (
        let i = 0;
        i < 200 && !raw.prepare(`SELECT 1 FROM sync_runs WHERE status = 'running' AND pages > 0`).get();
        i++
      )
        await new Promise((r) => setTimeout(r, 50))
      child.kill('SIGKILL')
      expect(await closed).toBe('SIGKILL')
      const lease = raw
        .prepare('SELECT owner, expires_at FROM leases WHERE name = ?')
        .get(`sync:${world.providerId}`) as {owner: string; expires_at: string}
      expect(lease.owner).toContain(`#${child.pid}#`)
      expect(Date.parse(lease.expires_at) - Date.now()).toBeGreaterThan(4 * 60_000) // left behind for the TTL
    } finally {
      raw.close()
    }
    const next = await runCli(['sync', '--provider', world.providerId, '--json'], {
      home: world.home,
      env: cronEnv(world.env),
      timeoutMs: 60_000,
    })
    expect(next.code, next.stdout + next.stderr).toBe(0)
    expect(SyncJson.parse(next.json()).runs[0]!.status).toBe('ok')
    checkLedger(world)
  }, 60_000)

  // A killed run's row must not stay 'running' forever: status counts failures, and a provider whose cron runs are
  // OOM-killed every night must show them.
  it("the killed run is recorded as failed once its lease is taken over, not left 'running'", () => {
    const raw = new Database(world.dbFile, {readonly: true})
    try {
      expect(raw.prepare(`SELECT status FROM sync_runs ORDER BY id`).pluck().all()).toEqual(['failed', 'ok'])
    } finally {
      raw.close()
    }
  })

  it('SIGTERM finishes the page in flight and exits by itself; the next run continues from the cursor and is exact', async () => {
    const fresh = await createSyncWorld({scenario, clock: manualClock(WORLD_END), delayMs: 150})
    try {
      const child = spawn(process.execPath, [BIN, 'sync', '--provider', fresh.providerId, '--json'], {
        env: {
          PATH: process.env.PATH ?? '',
          HOME: process.env.HOME ?? '/tmp',
          CI: 'true',
          YMS_PAY_HOME: fresh.home,
          ...cronEnv(fresh.env),
        },
        stdio: ['ignore', 'pipe', 'pipe'],
      })
      let stdout = ''
      child.stdout!.on('data', (d: Buffer) => (stdout += d.toString()))
      const closed = new Promise<{code: number | null; signal: NodeJS.Signals | null}>((r) =>
        child.on('close', (code, signal) => r({code, signal})),
      )
      const raw = new Database(fresh.dbFile, {readonly: true})
      try {
        for (
          let i = 0;
          i < 200 && !raw.prepare(`SELECT 1 FROM sync_runs WHERE status = 'running' AND pages > 0`).get();
          i++
        )
          await new Promise((r) => setTimeout(r, 20))
        const sentAt = Date.now()
        child.kill('SIGTERM')
        const exit = await closed
        expect(exit.signal).toBeNull() // it stopped itself, after committing
        expect(Date.now() - sentAt).toBeLessThan(5_000)
        const stopped = SyncJson.parse(JSON.parse(stdout)).runs[0]!
        const pages = raw.prepare(`SELECT pages FROM sync_runs ORDER BY id DESC LIMIT 1`).pluck().get() as number
        expect(stopped.pages).toBe(pages)
        expect(pages).toBeGreaterThan(0)
        expect(raw.prepare(`SELECT COUNT(*) FROM transactions`).pluck().get()).toBeLessThan(
          expectedTransactions(scenario, fresh.stripe.emulator, 'own', WORLD_END).length,
        )
        stoppedRun = {
          exit: exit.code,
          status: stopped.status,
          recorded: raw.prepare(`SELECT status FROM sync_runs ORDER BY id DESC LIMIT 1`).pluck().get() as string,
        }
      } finally {
        raw.close()
      }
      const next = await runCli(['sync', '--provider', fresh.providerId, '--json'], {
        home: fresh.home,
        env: cronEnv(fresh.env),
        timeoutMs: 60_000,
      })
      expect(next.code, next.stderr).toBe(0)
      checkLedger(fresh)
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
      const raw = new Database(world.dbFile)
      raw
        .prepare('INSERT OR REPLACE INTO leases (name, owner, acquired_at, expires_at) VALUES (?, ?, ?, ?)')
        .run(`sync:${world.providerId}`, owner, new Date().toISOString(), expires)
      raw.close()
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
    const db = world.open()
    try {
      await addProvider(sqliteHandle(db), world.ctx, {
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
      })
    } finally {
      db.close()
    }
    const env = cronEnv({...world.env, ...secretEnv('broken-stripe', {api_key: 'sk_test_wrong'})})
    const r = await runCli(['sync', '--json'], {home: world.home, env, timeoutMs: 60_000})
    expect(r.code, r.stdout + r.stderr).toBe(4)
    const out = SyncJson.parse(r.json())
    expect(Object.fromEntries(out.runs.map((x) => [x.provider, x.status]))).toEqual({
      'acme-stripe': 'ok',
      'broken-stripe': 'failed',
    })
    expect(out.totals).toMatchObject({providers: 2, failed: 1})
    checkLedger(world)
  })

  it('an unknown --provider is a usage error (exit 2)', async () => {
    const r = await runCli(['sync', '--provider', 'nope', '--json'], {home: world.home, env: cronEnv(world.env)})
    expect(r.code).toBe(2)
    expect(ErrorJson.parse(r.json()).error.message).toMatch(/nope/)
  })
})
