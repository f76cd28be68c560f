import {spawn} from 'node:child_process'

import type pg from 'pg'
import {afterAll, beforeAll, describe, expect, it} from 'vitest'

import {createRng} from '../../src/sandbox/prng.js'
import {compareWithTruth, expectedTransactions, formatComparison} from '../../src/sandbox/truth.js'
import {verifyAudit} from '../../src/services/audit.js'
import {storeHandle} from '../../src/store/ops/ledger-handle.js'
import {all} from '../../src/store/ops/op.js'
import {storedTransactions} from '../../src/store/repos/transactions.js'
import {pgStore} from '../../src/store/seam/pg-store.js'
import type {Store} from '../../src/store/seam/store.js'
import {BIN} from '../helpers/cli.js'
import {accountSums, offTarget, unbalancedSets} from '../helpers/ledger-checks.js'
import {moveHomeToPostgres} from '../helpers/pg-ledger.js'
import {testPostgres} from '../helpers/postgres.js'
import {createSyncWorld, manualClock, WORLD_END, worldScenario, type SyncWorld} from '../helpers/sync-world.js'
import {builtEnv} from '../helpers/workers.js'
import {expectedAccounts} from '../services/sync/oracle.js'

const postgres = await testPostgres()

/**
 * Several hosts on one PostgreSQL ledger, as the built binary runs under cron on each: rounds of three `yms-pay sync`
 * processes started together against the same database (YMS_PAY_DATABASE_URL), some SIGKILLed at seeded random
 * moments, while the Stripe emulator (behind faults: 500, 429, reset, truncated) reveals the world as its clock moves.
 * Then one clean run. The ledger must be the scenario's truth, every posting set balanced, no version posted twice,
 * the accounts those the scenario alone gives, and the audit chain intact.
 */
const ROUNDS = 12
const HOSTS = 3
const T0 = '2026-02-01T00:00:00.000Z'

/** When a host is SIGKILLed: `ms` after its spawn, or after its run's first row appeared. */
interface Kill {
  after: 'spawn' | 'run'
  ms: number
}

interface Outcome {
  killed: boolean
  code: number | null
  status: string | null
  stderr: string
}

describe.skipIf(postgres.skip !== undefined)('sync on PostgreSQL: several hosts at once, SIGKILLs, faults', () => {
  const scenario = worldScenario(1_500, 43)
  const clock = manualClock(T0)
  let world: SyncWorld
  const stores: Store[] = []

  beforeAll(async () => {
    world = await createSyncWorld({
      scenario,
      clock,
      faults: {rate: 0.03, kinds: ['500', '429', 'reset', 'truncated']},
      faultSeed: 5,
      delayMs: 2,
    })
  })
  afterAll(async () => {
    for (const store of stores) await store.close()
    await world?.close()
  })

  it('converges to the truth with nothing posted twice and the audit chain intact', async () => {
    const database = await postgres.freshDatabase()
    const {env} = await moveHomeToPostgres(world.home, database, world.env)
    const client = await database.connect()

    const rng = createRng(20261201)
    const outcomes: Outcome[] = []
    const span = Date.parse(WORLD_END) - Date.parse(T0)
    const killed = () => outcomes.filter((o) => o.killed).length
    // ROUNDS rounds, the world revealed a step each; then more at the last step until half as many kills as rounds
    // have landed. A kill lands only when its host is still running at its moment (most hosts of a round exit 75 at
    // once, the lease being another's): the faster a sync, the fewer land (5 of 24 in one CI run, 8 to 13 in others).
    for (let round = 0; round < ROUNDS || (killed() < ROUNDS / 2 && round < 3 * ROUNDS); round++) {
      const step = Math.min(round, ROUNDS - 1)
      clock.set(new Date(Date.parse(T0) + Math.floor((span * step) / ROUNDS)).toISOString())
      // Two of three hosts die, the third is left alone. Odd rounds kill within the run (timed from its first row);
      // even rounds anywhere from start-up to the run's end bookkeeping (timed from the spawn). The extra rounds,
      // with little left to fetch, kill early in the run.
      const kills = Array.from({length: HOSTS}, (_, i): Kill | null =>
        i === round % HOSTS
          ? null
          : round >= ROUNDS
            ? {after: 'run', ms: rng.next() * 100}
            : round % 2 === 1
              ? {after: 'run', ms: rng.next() * 1_500}
              : {after: 'spawn', ms: 300 + rng.next() * 2_500},
      )
      outcomes.push(...(await Promise.all(kills.map((killAt) => syncProcess(env, world.providerId, killAt, client)))))
    }
    clock.set(WORLD_END)
    let final: Outcome | null = null
    for (let attempt = 0; attempt < 5 && final?.status !== 'ok'; attempt++)
      final = await syncProcess(env, world.providerId, null, client)
    expect(final?.status, final?.stderr).toBe('ok')

    const store = pgStore(database.connection)
    stores.push(store)
    const ledger = storeHandle(store)
    const statuses = await ledger.read(
      all<{status: string; error: string | null}>('SELECT status, error FROM sync_runs ORDER BY id'),
    )
    const stats = {
      processes: outcomes.length,
      rounds: outcomes.length / HOSTS,
      killed: outcomes.filter((o) => o.killed).length,
      // Refused while another host held the provider (exit 75).
      locked: outcomes.filter((o) => o.code === 75).length,
      failed: outcomes.filter((o) => o.status === 'failed').length,
      ok: outcomes.filter((o) => o.status === 'ok').length,
      // Runs cut short by a kill: closed as failed when the next run took their lease over, or still running.
      interrupted: statuses.filter((s) => s.status === 'running' || /died mid-run/.test(s.error ?? '')).length,
      faults: {...world.stripe.faultCounts},
    }
    console.log('sync on PostgreSQL, several hosts', JSON.stringify(stats))
    // A process refused for the lock printed no run; the others each closed or left exactly one row.
    for (const o of outcomes.filter((x) => !x.killed && x.code !== 75))
      expect(['ok', 'failed'], o.stderr).toContain(o.status)

    const stored = await ledger.read(storedTransactions.ops(world.providerId))
    const cmp = compareWithTruth(
      stored.map((s) => s.txn),
      expectedTransactions(scenario, world.stripe.emulator, 'own', WORLD_END),
    )
    if (!cmp.ok) {
      // What to look at when it fails: the runs, where the cursor stands, what waits in quarantine, the audit trail.
      const facts = await ledger.read(
        (function* () {
          return {
            runs: yield* all(
              'SELECT id, owner, status, error, pages, fetched, inserted, quarantined FROM sync_runs ORDER BY id',
            ),
            cursors: yield* all('SELECT * FROM sync_cursors'),
            quarantine: yield* all('SELECT reason, status, COUNT(*) AS n FROM quarantine GROUP BY reason, status'),
            audit: yield* all(
              `SELECT seq, action, subject, details_json FROM audit_log WHERE action <> 'sync.page' ORDER BY seq`,
            ),
          }
        })(),
      )
      console.log(formatComparison(cmp, 400), JSON.stringify(facts))
    }
    expect(cmp.ok, formatComparison(cmp)).toBe(true)
    expect(stored.length).toBeGreaterThan(1_500)
    expect(await ledger.read(all(`SELECT reason FROM quarantine WHERE status = 'open'`))).toEqual([])
    expect(await ledger.read(accountSums())).toEqual(expectedAccounts(scenario, world.providerId, WORLD_END))
    expect(await ledger.read(unbalancedSets())).toEqual([])
    // Each transaction's postings sum to exactly the target of its final state: a version posted twice, or lost,
    // would leave a difference.
    expect(await offTarget(ledger, stored)).toEqual([])
    expect(await ledger.read(verifyAudit.ops())).toMatchObject({ok: true})
    expect(stats.killed).toBeGreaterThanOrEqual(ROUNDS / 2)
    expect(stats.locked).toBeGreaterThan(0)
    expect(stats.interrupted).toBeGreaterThan(0)
  }, 600_000)
})

/**
 * `yms-pay sync --provider <id> --json` against the PostgreSQL ledger. With `killAt`, SIGKILLed that long after its
 * spawn, or after its run has started (a sync_runs row names its pid: the kill lands in the sync itself).
 */
function syncProcess(
  env: Record<string, string>,
  provider: string,
  killAt: Kill | null,
  client: pg.Client,
): Promise<Outcome> {
  return new Promise<Outcome>((resolve, reject) => {
    const child = spawn(process.execPath, [BIN, 'sync', '--provider', provider, '--json'], {
      env: builtEnv(env),
      stdio: ['ignore', 'pipe', 'pipe'],
    })
    let stdout = ''
    let stderr = ''
    let kill: NodeJS.Timeout | undefined
    let polling = false
    if (killAt?.after === 'spawn') kill = setTimeout(() => child.kill('SIGKILL'), killAt.ms)
    const poll =
      killAt?.after !== 'run'
        ? undefined
        : setInterval(() => {
            if (polling) return
            polling = true
            client
              .query(`SELECT 1 FROM sync_runs WHERE owner LIKE $1`, [`sync@%#${child.pid}#%`])
              .then((r) => {
                if (r.rowCount === 0 || kill !== undefined) return
                clearInterval(poll)
                kill = setTimeout(() => child.kill('SIGKILL'), killAt.ms)
              })
              .catch(() => undefined)
              .finally(() => (polling = false))
          }, 10)
    const guard = setTimeout(() => child.kill('SIGKILL'), 120_000)
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()))
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()))
    child.on('error', reject)
    child.on('close', (code, signal) => {
      clearInterval(poll)
      clearTimeout(kill)
      clearTimeout(guard)
      let status: string | null = null
      try {
        status = (JSON.parse(stdout) as {runs: Array<{status: string}>}).runs[0]?.status ?? null
      } catch {
        // killed before it printed
      }
      resolve({killed: signal === 'SIGKILL', code, status, stderr})
    })
  })
}
