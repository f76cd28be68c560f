import {readFileSync} from 'node:fs'
import {join, resolve} from 'node:path'

import {describe, expect, it} from 'vitest'

import {describeHome, resolveHome} from '../../src/app/home.js'
import {HOME_POLICY, homeAccess} from '../../src/app/home-policy.js'

const xdg = {xdgDataDir: '/xdg/data/yms-pay', xdgConfigDir: '/xdg/config/yms-pay'}

describe('resolveHome', () => {
  it('--home beats YMS_PAY_HOME beats the XDG default, and a relative path is made absolute', () => {
    expect(resolveHome({flag: 'rel/home', env: {YMS_PAY_HOME: '/env'}, ...xdg})).toEqual({
      dataDir: resolve('rel/home'),
      configDir: resolve('rel/home'),
      dbFile: join(resolve('rel/home'), 'ledger.db'),
      source: 'flag',
    })
    expect(resolveHome({env: {YMS_PAY_HOME: '/env'}, ...xdg})).toMatchObject({dataDir: '/env', source: 'env'})
    expect(resolveHome({env: {}, ...xdg})).toMatchObject({dataDir: xdg.xdgDataDir, source: 'xdg'})
  })

  it.each(['', '  '])('--home %j is a usage error, never the default home', (flag) => {
    expect(() => resolveHome({flag, env: {}, ...xdg})).toThrow(
      expect.objectContaining({exitCode: 2, message: '--home is empty'}),
    )
  })

  it('YMS_PAY_HOME set but empty is a configuration error, never the default home', () => {
    expect(() => resolveHome({env: {YMS_PAY_HOME: ''}, ...xdg})).toThrow(
      expect.objectContaining({exitCode: 78, code: 'home_empty'}),
    )
    // --home given: the variable is not consulted at all.
    expect(resolveHome({flag: '/given', env: {YMS_PAY_HOME: ''}, ...xdg}).dataDir).toBe('/given')
  })

  it('describeHome names the directory and where it came from', () => {
    expect(describeHome(resolveHome({flag: '/a', env: {}, ...xdg}))).toBe('/a (from --home)')
    expect(describeHome(resolveHome({env: {YMS_PAY_HOME: '/b'}, ...xdg}))).toBe('/b (from YMS_PAY_HOME)')
    expect(describeHome(resolveHome({env: {}, ...xdg}))).toBe(`${xdg.xdgDataDir} (the default home)`)
  })
})

describe('home policy', () => {
  it('classifies every command of the CLI (a new command must say whether it may create, write or only read)', () => {
    const manifest = JSON.parse(readFileSync(new URL('../../oclif.manifest.json', import.meta.url), 'utf8')) as {
      commands: Record<string, unknown>
    }
    expect(Object.keys(HOME_POLICY).sort()).toEqual(Object.keys(manifest.commands).sort())
  })

  it('only setup commands create a home; reports only read; anything unlisted needs an existing, writable one', () => {
    expect(homeAccess('sync')).toBe('write')
    expect(homeAccess('status')).toBe('read')
    expect(homeAccess('sites:import')).toBe('create')
    expect(homeAccess('customers:import')).toBe('write')
    expect(homeAccess('not:a-command')).toBe('write')
    expect(homeAccess(undefined)).toBe('write')
  })
})
