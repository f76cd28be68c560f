import {spawnSync} from 'node:child_process'
import {cpSync, mkdirSync, rmSync} from 'node:fs'
import {join} from 'node:path'

import Database from 'better-sqlite3'
import {afterAll, beforeAll, describe, expect, it} from 'vitest'

import {LATEST_VERSION} from '../../src/store/migrations/index.js'

import {runCli} from '../helpers/cli.js'
import {createSyncWorld, manualClock, WORLD_END, worldScenario, type SyncWorld} from '../helpers/sync-world.js'
import {handOver, makeReadOnly, reachableDir, runCliUnprivileged} from '../helpers/unprivileged.js'

/** status and metrics say when they ran and how long ago things happened: compare what does not move with the clock. */
function timeless(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(timeless)
  if (value === null || typeof value !== 'object') return value
  return Object.fromEntries(
    Object.entries(value)
      .filter(([key]) => !['at', 'from', 'to', 'lagMs'].includes(key))
      .map(([key, v]) => [key, timeless(v)]),
  )
}

/**
 * A home its user can no longer write (chmod a-w, or a read-only mount): reports read it, writes name the path.
 * Root ignores permissions, so under root the CLI runs as `nobody` against a home handed over to it.
 */
describe('a read-only home (built binary)', () => {
  let world: SyncWorld
  const base = reachableDir('yms-ro-')
  const copy = (name: string) => {
    const home = join(base, name)
    cpSync(world.home, home, {recursive: true})
    handOver(home)
    return home
  }
  beforeAll(async () => {
    world = await createSyncWorld({scenario: worldScenario(60, 3), clock: manualClock(WORLD_END)})
    const r = await runCli(['sync', '--json'], {home: world.home, env: world.env})
    expect(r.code, r.stdout + r.stderr).toBe(0)
  })
  afterAll(async () => {
    await world?.close()
    rmSync(base, {recursive: true, force: true})
  })

  it('every read-only command works and shows what a writable home shows', async () => {
    const home = copy('clean')
    makeReadOnly(home)
    for (const args of [
      ['status'],
      ['transactions', 'list', '--limit', '1000'],
      ['customers', 'list', '--limit', '1000'],
      ['sites', 'list'],
      ['providers', 'list'],
      ['audit', 'list'],
      ['audit', 'verify'],
      ['quarantine', 'list'],
      ['metrics'],
    ]) {
      const ro = await runCliUnprivileged([...args, '--json'], {home, env: world.env})
      expect(ro.code, `${args.join(' ')}: ${ro.stdout}${ro.stderr}`).toBe(0)
      const rw = await runCli([...args, '--json'], {home: world.home, env: world.env})
      expect(timeless(JSON.parse(ro.stdout)), args.join(' ')).toEqual(timeless(JSON.parse(rw.stdout)))
    }
  })

  it('backup and doctor work too; doctor warns that writes will fail', async () => {
    const home = copy('tools')
    makeReadOnly(home)
    const out = join(base, 'backups')
    mkdirSync(out)
    handOver(out)
    const target = join(out, 'from-readonly.db')
    const backup = await runCliUnprivileged(['backup', target, '--json'], {home})
    expect(backup.code, backup.stderr).toBe(0)
    const doctor = await runCliUnprivileged(['doctor', '--json'], {home, env: world.env})
    expect(doctor.code, doctor.stdout).toBe(0)
    expect(JSON.parse(doctor.stdout).checks).toContainEqual(
      expect.objectContaining({check: 'home-writable', status: 'warn'}),
    )
  })

  it.each([
    [['sync']],
    [['sites', 'add', 'x', '--name', 'X', '--currency', 'EUR']],
    [['providers', 'disable', 'acme-stripe']],
    [['quarantine', 'replay']],
  ])('%j fails with exit 78 naming the directory that is not writable', async (args) => {
    const home = copy(`write-${args[0]}-${args[1] ?? ''}`)
    makeReadOnly(home)
    const calls = world.stripe.requests()
    const r = await runCliUnprivileged([...args, '--json'], {home, env: world.env})
    expect(r.code, r.stdout + r.stderr).toBe(78)
    const error = JSON.parse(r.stdout).error
    expect(error.code).toBe('home_not_writable')
    expect(error.message).toMatch(new RegExp(`^${home}(/ledger\\.db)? is not writable`))
    expect(world.stripe.requests()).toBe(calls)
  })

  it("a home left with a WAL by a writer that died: the reader sees the WAL's committed rows", async () => {
    const home = copy('wal')
    const killed = spawnSync(
      process.execPath,
      [
        '--input-type=module',
        '-e',
        `import Database from 'better-sqlite3'
         const db = new Database(${JSON.stringify(join(home, 'ledger.db'))})
         db.pragma('wal_autocheckpoint = 0')
         db.prepare("INSERT INTO sites (id, name, currency, created_at, updated_at) VALUES ('wal-only', 'W', 'EUR', 'x', 'x')").run()
         process.kill(process.pid, 'SIGKILL')`,
      ],
      {cwd: process.cwd()},
    )
    expect(killed.signal).toBe('SIGKILL')
    handOver(home)
    makeReadOnly(home)
    const r = await runCliUnprivileged(['sites', 'list', '--json'], {home})
    expect(r.code, r.stderr).toBe(0)
    expect(JSON.parse(r.stdout).sites.map((s: {id: string}) => s.id)).toContain('wal-only')
  })

  it('an older schema cannot be upgraded in place: refused with what to do, the file unchanged', async () => {
    const home = copy('old-schema')
    const raw = new Database(join(home, 'ledger.db'))
    raw.pragma(`user_version = ${LATEST_VERSION - 1}`)
    raw.close()
    makeReadOnly(home)
    const r = await runCliUnprivileged(['status', '--json'], {home})
    expect(r.code).toBe(78)
    expect(JSON.parse(r.stdout).error).toMatchObject({
      code: 'schema_needs_upgrade',
      message: expect.stringContaining(`${home} is not writable`),
    })
    const after = new Database(join(home, 'ledger.db'), {readonly: true})
    expect(after.pragma('user_version', {simple: true})).toBe(LATEST_VERSION - 1)
    after.close()
  })

  it('a WAL without its -shm cannot be read without writing: refused, naming the directory', async () => {
    const home = copy('wal-no-shm')
    spawnSync(
      process.execPath,
      [
        '--input-type=module',
        '-e',
        `import Database from 'better-sqlite3'
         const db = new Database(${JSON.stringify(join(home, 'ledger.db'))})
         db.pragma('wal_autocheckpoint = 0')
         db.prepare("INSERT INTO sites (id, name, currency, created_at, updated_at) VALUES ('wal-only', 'W', 'EUR', 'x', 'x')").run()
         process.kill(process.pid, 'SIGKILL')`,
      ],
      {cwd: process.cwd()},
    )
    rmSync(join(home, 'ledger.db-shm'))
    handOver(home)
    makeReadOnly(home)
    const r = await runCliUnprivileged(['sites', 'list', '--json'], {home})
    expect(r.code).toBe(78)
    expect(JSON.parse(r.stdout).error).toMatchObject({
      code: 'home_not_writable',
      message: expect.stringContaining(`cannot be read while ${home} is not writable`),
    })
  })
})
