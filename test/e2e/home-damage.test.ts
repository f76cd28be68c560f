import {createHash} from 'node:crypto'
import {existsSync, readdirSync, readFileSync} from 'node:fs'
import {dirname, join} from 'node:path'

import {afterAll, beforeAll, describe, expect, it} from 'vitest'

import {runCli} from '../helpers/cli.js'
import {damageMiddlePage} from '../helpers/damage.js'
import {createSyncWorld, manualClock, WORLD_END, worldScenario, type SyncWorld} from '../helpers/sync-world.js'

const sha = (file: string) => createHash('sha256').update(readFileSync(file)).digest('hex')

// A real home (sites, 400 customers, invoices, a Stripe provider at a loopback emulator) whose customers table is
// damaged in the middle; nothing has synced yet, so the sync's integrity check is due.
describe('a ledger damaged in the middle (built binary)', () => {
  let world: SyncWorld
  let before: string
  beforeAll(async () => {
    world = await createSyncWorld({scenario: worldScenario(150, 11, 400), clock: manualClock(WORLD_END)})
    damageMiddlePage(world.dbFile, 'customers')
    before = sha(world.dbFile)
  })
  afterAll(() => world?.close())

  const expectDamaged = (r: {code: number; stdout: string; stderr: string}) => {
    expect(r.code, r.stdout + r.stderr).toBe(78)
    const error = JSON.parse(r.stdout).error
    expect(error.code).toBe('database_corrupt')
    expect(error.message).toContain(world.dbFile)
    expect(error.hint).toMatch(/yms-pay doctor/)
    expect(error.hint).toMatch(/backup/)
    return error as {message: string}
  }

  it('sync refuses before calling the gateway or writing a byte', async () => {
    const r = await runCli(['sync', '--json'], {home: world.home, env: world.env})
    expect(expectDamaged(r).message).toMatch(/quick_check/)
    expect(world.stripe.requests()).toBe(0)
    expect(sha(world.dbFile)).toBe(before)
  })

  it('a read that meets the damaged page names the file instead of a bare "malformed" with exit 1', async () => {
    const r = await runCli(['customers', 'list', '--limit', '100000', '--json'], {home: world.home})
    expect(expectDamaged(r).message).toMatch(/malformed/)
    expect(r.stderr).not.toMatch(/at .*\.js:\d+/)
  })

  it('audit verify runs the integrity check first', async () => {
    const r = await runCli(['audit', 'verify', '--json'], {home: world.home})
    expect(expectDamaged(r).message).toMatch(/integrity_check/)
  })

  it('doctor lists the failed integrity check and exits 3', async () => {
    const r = await runCli(['doctor', '--json'], {home: world.home, env: world.env})
    expect(r.code).toBe(3)
    const report = JSON.parse(r.stdout) as {
      ok: boolean
      checks: Array<{check: string; status: string; message: string}>
    }
    expect(report.ok).toBe(false)
    expect(report.checks).toContainEqual(
      expect.objectContaining({check: 'integrity', status: 'fail', message: expect.stringContaining(world.dbFile)}),
    )
  })

  it('backup refuses to take a damaged copy for a good one, and leaves no file behind', async () => {
    const target = join(dirname(world.home), `${world.home.split('/').pop()}-backup.db`)
    const r = await runCli(['backup', target, '--json'], {home: world.home})
    expectDamaged(r)
    expect(existsSync(target)).toBe(false)
    expect(readdirSync(dirname(target)).filter((f) => f.includes('-backup.db'))).toEqual([])
  })
})
