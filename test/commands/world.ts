import {expect} from 'vitest'

import {copyLedgerToPostgres} from '../../src/services/store-copy/to-postgres.js'
import {PG_MODE, storeEnv} from '../helpers/pg-mode.js'
import {createSyncWorld, manualClock, WORLD_END, worldScenario, type SyncWorld} from '../helpers/sync-world.js'
import {run} from './helpers.js'
import {SyncResult} from './shapes.js'

/**
 * A home with a generated world's sites, customers and invoices imported, a Stripe emulator of the same world on
 * loopback, and provider `acme-stripe` (secrets in `world.env`) granted `segments` (default every segment).
 * With `sync`, the `sync` command has pulled the world once, so the read-side commands have something to show.
 * In the PostgreSQL run the home's ledger is copied into the home's database first (as `store copy --to` moves it),
 * so the commands find the same world there.
 */
export async function stripeWorld(
  opts: {transactions?: number; seed?: number; segments?: string[]; sync?: boolean} = {},
): Promise<SyncWorld> {
  const world = await createSyncWorld({
    scenario: worldScenario(opts.transactions ?? 150, opts.seed ?? 11),
    clock: manualClock(WORLD_END),
    segments: opts.segments,
  })
  if (PG_MODE) await copyIntoPostgres(world)
  if (opts.sync) {
    const r = await run(['sync', '--json'], {home: world.home, env: world.env})
    expect(r.exitCode, r.stdout + r.stderr).toBe(0)
    expect(SyncResult.parse(r.json()).runs.map((x) => x.status)).toEqual(['ok'])
  }
  return world
}

async function copyIntoPostgres(world: SyncWorld): Promise<void> {
  const {YMS_PAY_DATABASE_URL: url, PGPASSWORD: password} = await storeEnv(world.home)
  const db = world.open()
  // pg reads the password from this process's environment, as the CLI's does.
  const saved = process.env.PGPASSWORD
  process.env.PGPASSWORD = password
  try {
    await copyLedgerToPostgres(db, {...world.ctx, env: {...world.ctx.env, PGPASSWORD: password}}, url!)
  } finally {
    if (saved === undefined) delete process.env.PGPASSWORD
    else process.env.PGPASSWORD = saved
    db.close()
  }
}
