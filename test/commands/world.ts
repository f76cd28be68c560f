import {expect} from 'vitest'

import {createSyncWorld, manualClock, WORLD_END, worldScenario, type SyncWorld} from '../helpers/sync-world.js'
import {run} from './helpers.js'
import {SyncResult} from './shapes.js'

/**
 * A home with a generated world's sites, customers and invoices imported, a Stripe emulator of the same world on
 * loopback, and provider `acme-stripe` (secrets in `world.env`) granted `segments` (default every segment).
 * With `sync`, the `sync` command has pulled the world once, so the read-side commands have something to show.
 * In the PostgreSQL run the world is built in the home's database (sync-world.ts buildHome).
 */
export async function stripeWorld(
  opts: {transactions?: number; seed?: number; segments?: string[]; sync?: boolean} = {},
): Promise<SyncWorld> {
  const world = await createSyncWorld({
    scenario: worldScenario(opts.transactions ?? 150, opts.seed ?? 11),
    clock: manualClock(WORLD_END),
    segments: opts.segments,
  })
  if (opts.sync) {
    const r = await run(['sync', '--json'], {home: world.home, env: world.env})
    expect(r.exitCode, r.stdout + r.stderr).toBe(0)
    expect(SyncResult.parse(r.json()).runs.map((x) => x.status)).toEqual(['ok'])
  }
  return world
}
