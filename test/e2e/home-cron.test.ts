import {existsSync, mkdirSync, readdirSync, rmSync, writeFileSync} from 'node:fs'
import {join} from 'node:path'

import {afterAll, describe, expect, it} from 'vitest'
import {z} from 'zod'

import {runCli, tempHome} from '../helpers/cli.js'

const ErrorJson = z.strictObject({
  error: z.strictObject({code: z.string(), message: z.string(), hint: z.string().optional(), exitCode: z.number()}),
})
const errorOf = (r: {stdout: string}) => ErrorJson.parse(JSON.parse(r.stdout)).error

// Everything here is what a cron job sees when the home it points at is not what it should be: a non-zero exit
// naming the path and where it came from, and nothing created there.
describe('a home without a ledger (built binary, as cron runs it)', () => {
  const base = tempHome('yms-cron-')
  afterAll(() => rmSync(base, {recursive: true, force: true}))

  it.each([
    [['sync']],
    [['status']],
    [['transactions', 'list']],
    [['audit', 'verify']],
    [['providers', 'list']],
    [['sites', 'list']],
    [['backup', '/tmp/never-written.db']],
    [['customers', 'import', '/dev/null']],
  ])('%j on a mistyped --home exits 78 naming it, and creates nothing', async (args) => {
    const typo = join(base, 'yms-pya')
    const r = await runCli([...args, '--home', typo, '--json'])
    expect(r.code, r.stdout + r.stderr).toBe(78)
    expect(errorOf(r)).toMatchObject({code: 'home_missing', exitCode: 78})
    expect(errorOf(r).message).toContain(`${typo} (from --home) does not exist`)
    expect(existsSync(typo)).toBe(false)
  })

  it('an existing but empty directory from YMS_PAY_HOME: exit 78 naming it and the variable; still empty after', async () => {
    const empty = join(base, 'empty')
    mkdirSync(empty)
    const r = await runCli(['sync', '--json'], {home: empty})
    expect(r.code).toBe(78)
    expect(errorOf(r).message).toContain(`${empty} (from YMS_PAY_HOME) holds no yms-pay ledger`)
    expect(errorOf(r).hint).toMatch(/sites import/)
    expect(readdirSync(empty)).toEqual([])
  })

  it('the default home is named as such', async () => {
    const xdg = join(base, 'xdg')
    const r = await runCli(['status', '--json'], {env: {XDG_DATA_HOME: xdg, XDG_CONFIG_HOME: xdg}})
    expect(r.code).toBe(78)
    expect(errorOf(r).message).toContain(`${join(xdg, 'yms-pay')} (the default home) does not exist`)
    expect(existsSync(xdg)).toBe(false)
  })

  it("--home '' is a usage error (exit 2), not the default home", async () => {
    const xdg = join(base, 'xdg-empty-flag')
    const r = await runCli(['sites', 'add', 'b', '--name', 'B', '--currency', 'EUR', '--home', '', '--json'], {
      env: {XDG_DATA_HOME: xdg},
    })
    expect(r.code).toBe(2)
    expect(errorOf(r).message).toBe('--home is empty')
    expect(existsSync(xdg)).toBe(false)
  })

  it('YMS_PAY_HOME set but empty is exit 78, not the default home', async () => {
    const xdg = join(base, 'xdg-empty-env')
    const r = await runCli(['sites', 'add', 'b', '--name', 'B', '--currency', 'EUR', '--json'], {
      env: {YMS_PAY_HOME: '', XDG_DATA_HOME: xdg},
    })
    expect(r.code).toBe(78)
    expect(errorOf(r)).toMatchObject({code: 'home_empty', message: 'YMS_PAY_HOME is set but empty'})
    expect(existsSync(xdg)).toBe(false)
  })

  it.each([[['sync']], [['sites', 'add', 'b', '--name', 'B', '--currency', 'EUR']], [['demo']]])(
    '%j with --home pointing at a file exits 78 naming it (no raw EEXIST)',
    async (args) => {
      const file = join(base, 'a-file')
      writeFileSync(file, 'not a home')
      const r = await runCli([...args, '--home', file, '--json'])
      expect(r.code, r.stdout + r.stderr).toBe(78)
      expect(errorOf(r)).toMatchObject({code: 'home_not_a_directory'})
      expect(errorOf(r).message).toContain(`${file} (from --home) is not a directory`)
      expect(r.stderr).not.toMatch(/EEXIST|at .*\.js/)
    },
  )

  it('a setup command creates the home (and says so); then sync with no provider exits 78, not 0', async () => {
    const fresh = join(base, 'new-home')
    const add = await runCli(['sites', 'add', 'berlin', '--name', 'Berlin', '--currency', 'EUR'], {home: fresh})
    expect(add.code, add.stderr).toBe(0)
    expect(add.stderr).toContain(`created a new yms-pay home at ${fresh} (from YMS_PAY_HOME)`)
    expect(existsSync(join(fresh, 'ledger.db'))).toBe(true)

    const sync = await runCli(['sync', '--json'], {home: fresh})
    expect(sync.code).toBe(78)
    expect(errorOf(sync)).toMatchObject({code: 'no_enabled_providers'})
    expect(errorOf(sync).message).toContain(`no enabled providers in ${fresh} (from YMS_PAY_HOME)`)
    expect(errorOf(sync).hint).toMatch(/providers add/)
  })

  it('a second setup command on the same home does not claim to create it', async () => {
    const again = await runCli(['sites', 'add', 'paris', '--name', 'Paris', '--currency', 'EUR'], {
      home: join(base, 'new-home'),
    })
    expect(again.code).toBe(0)
    expect(again.stderr).not.toMatch(/created a new/)
  })
})
