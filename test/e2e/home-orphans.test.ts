import {spawnSync} from 'node:child_process'
import {existsSync, mkdirSync, renameSync, rmSync, truncateSync} from 'node:fs'
import {join} from 'node:path'

import {afterAll, beforeEach, describe, expect, it} from 'vitest'

import {runCli, tempHome} from '../helpers/cli.js'

/**
 * A ledger whose last writer died before the WAL was folded in: the committed site exists only in ledger.db-wal
 * (and its -shm index). Made by a child that commits with checkpoints off and kills itself.
 */
function homeWithWork(home: string): void {
  const made = spawnSync(
    process.execPath,
    [
      '--input-type=module',
      '-e',
      `import Database from 'better-sqlite3'
     const db = new Database(${JSON.stringify(join(home, 'ledger.db'))})
     db.pragma('wal_autocheckpoint = 0')
     db.prepare("INSERT INTO sites (id, name, currency, created_at, updated_at) VALUES ('wal-only', 'In the WAL only', 'EUR', 'x', 'x')").run()
     process.kill(process.pid, 'SIGKILL')`,
    ],
    {cwd: process.cwd()},
  )
  expect(made.signal).toBe('SIGKILL')
  expect(existsSync(join(home, 'ledger.db-wal'))).toBe(true)
}

describe('side files left without their ledger (built binary)', () => {
  const base = tempHome('yms-orphans-')
  let home: string
  let n = 0
  afterAll(() => rmSync(base, {recursive: true, force: true}))
  beforeEach(async () => {
    home = join(base, `home-${++n}`)
    mkdirSync(home)
    const r = await runCli(['sites', 'add', 'berlin', '--name', 'Berlin', '--currency', 'EUR'], {home})
    expect(r.code, r.stderr).toBe(0)
    homeWithWork(home)
  })

  it.each([
    ['deleted', (file: string) => rmSync(file)],
    ['emptied', (file: string) => truncateSync(file, 0)],
  ])('ledger.db %s beside its -wal: every command refuses naming the orphans, setup ones too', async (_, lose) => {
    const file = join(home, 'ledger.db')
    lose(file)
    for (const args of [
      ['sync'],
      ['status'],
      ['sites', 'add', 'x', '--name', 'X', '--currency', 'EUR'],
      ['backup', join(home, '..', `b${n}.db`)],
    ]) {
      const r = await runCli([...args, '--json'], {home})
      expect(r.code, `${args.join(' ')}: ${r.stdout}${r.stderr}`).toBe(78)
      const error = JSON.parse(r.stdout).error
      expect(error.code).toBe('orphaned_side_files')
      expect(error.message).toContain(`${file}-wal`)
      expect(error.message).toContain(`${file}-shm`)
      expect(error.hint).toMatch(/move ledger\.db-wal, ledger\.db-shm out of the directory/)
    }
    // Nothing was started beside them: the WAL (the only copy of the committed site) is still there, untouched.
    expect(existsSync(`${file}-wal`)).toBe(true)
    expect(existsSync(file)).toBe(_ === 'emptied')

    const doctor = await runCli(['doctor', '--json'], {home})
    expect(doctor.code).toBe(3)
    expect(JSON.parse(doctor.stdout).checks).toContainEqual(
      expect.objectContaining({check: 'side-files', status: 'fail'}),
    )
  })

  it('the -shm alone counts too; once the orphans are moved away (the hint), a setup command starts afresh', async () => {
    const file = join(home, 'ledger.db')
    rmSync(file)
    rmSync(`${file}-wal`)
    const refused = await runCli(['sites', 'add', 'x', '--name', 'X', '--currency', 'EUR', '--json'], {home})
    expect(refused.code).toBe(78)
    expect(JSON.parse(refused.stdout).error.message).toContain(`${file}-shm`)

    renameSync(`${file}-shm`, join(base, `moved-${n}.shm`))
    const fresh = await runCli(['sites', 'add', 'x', '--name', 'X', '--currency', 'EUR'], {home})
    expect(fresh.code, fresh.stderr).toBe(0)
  })

  it('with its ledger back, the WAL is read: the committed site is there', async () => {
    const sites = await runCli(['sites', 'list', '--json'], {home})
    expect(sites.code).toBe(0)
    expect(
      JSON.parse(sites.stdout)
        .sites.map((s: {id: string}) => s.id)
        .sort(),
    ).toEqual(['berlin', 'wal-only'])
  })
})
