import {chmodSync, mkdirSync, rmSync, statSync} from 'node:fs'
import {join} from 'node:path'

import {afterAll, beforeAll, describe, expect, it} from 'vitest'

import {runCli, tempHome} from '../helpers/cli.js'

const mode = (path: string) => statSync(path).mode & 0o777

// The ledger holds customer names, emails and raw gateway payloads: under the common umask 022 nothing of it may
// be readable by other users.
describe('permissions of what yms-pay writes (built binary, umask 022)', () => {
  const base = tempHome('yms-perm-')
  let umask: number
  beforeAll(() => void (umask = process.umask(0o022)))
  afterAll(() => {
    process.umask(umask)
    rmSync(base, {recursive: true, force: true})
  })

  it('a new home is 0700 and its ledger 0600; so is a backup', async () => {
    const home = join(base, 'new', 'home')
    const r = await runCli(['sites', 'add', 'berlin', '--name', 'Berlin', '--currency', 'EUR'], {home})
    expect(r.code, r.stderr).toBe(0)
    expect(mode(home)).toBe(0o700)
    expect(mode(join(base, 'new'))).toBe(0o700) // parents made for it too (the XDG rule for data directories)
    expect(mode(join(home, 'ledger.db'))).toBe(0o600)

    const backup = join(base, 'ledger.bak')
    expect((await runCli(['backup', backup], {home})).code).toBe(0)
    expect(mode(backup)).toBe(0o600)
    expect((await runCli(['backup', backup, '--force'], {home})).code).toBe(0)
    expect(mode(backup)).toBe(0o600)
  })

  it('the default (XDG) home too', async () => {
    const xdg = join(base, 'xdg')
    const r = await runCli(['providers', 'add', 'acme', '--kind', 'stripe'], {env: {XDG_DATA_HOME: xdg}})
    expect(r.code, r.stderr).toBe(0)
    expect(mode(join(xdg, 'yms-pay'))).toBe(0o700)
    expect(mode(join(xdg, 'yms-pay', 'ledger.db'))).toBe(0o600)
  })

  it('an existing home left open by an older yms-pay is not changed behind the admin: doctor warns with the chmod', async () => {
    const home = join(base, 'old')
    mkdirSync(home)
    expect((await runCli(['sites', 'add', 'b', '--name', 'B', '--currency', 'EUR'], {home})).code).toBe(0)
    chmodSync(home, 0o755)
    chmodSync(join(home, 'ledger.db'), 0o644)
    expect((await runCli(['sites', 'add', 'c', '--name', 'C', '--currency', 'EUR'], {home})).code).toBe(0)
    expect(mode(home)).toBe(0o755)

    const doctor = await runCli(['doctor', '--json'], {home})
    const checks = JSON.parse(doctor.stdout).checks as Array<{check: string; status: string; hint?: string}>
    expect(checks).toContainEqual({
      check: 'home-permissions',
      status: 'warn',
      message: expect.stringContaining(`${home} is 0755`),
      hint: `chmod 700 ${home}`,
    })
    expect(checks).toContainEqual({
      check: 'file-permissions',
      status: 'warn',
      message: expect.stringContaining(`${join(home, 'ledger.db')} is 0644`),
      hint: `chmod 600 ${join(home, 'ledger.db')}`,
    })
    expect(doctor.code).toBe(0) // warnings alone do not fail it
  })
})
