import {spawnSync} from 'node:child_process'
import {copyFileSync, mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync} from 'node:fs'
import {tmpdir} from 'node:os'
import {join, resolve} from 'node:path'

import {Config} from '@oclif/core'
import {afterAll, describe, expect, it} from 'vitest'

/**
 * bin/run.js answers `--version` without loading @oclif/core (start-up time, see test/bench/startup.ts). It must
 * print exactly what oclif would (config.userAgent) and answer exactly the flags oclif answers.
 */
const ROOT = resolve(import.meta.dirname, '../..')
const run = (bin: string, args: string[]) =>
  spawnSync(process.execPath, [bin, ...args], {encoding: 'utf8', env: {...process.env, DEBUG: ''}})

describe('bin/run.js --version fast path', () => {
  const scratch = mkdtempSync(join(tmpdir(), 'yms-version-'))
  afterAll(() => rmSync(scratch, {recursive: true, force: true}))

  it("prints oclif's user agent line for this package", async () => {
    const r = run(join(ROOT, 'bin/run.js'), ['--version'])
    expect(r.status).toBe(0)
    expect(r.stderr).toBe('')
    const config = await Config.load(ROOT)
    expect(r.stdout).toBe(`${config.userAgent}\n`)
  })

  it('takes the flags oclif takes: additionalVersionFlags from package.json, and --version first whatever follows', async () => {
    const dir = join(scratch, 'cli')
    mkdirSync(join(dir, 'bin'), {recursive: true})
    copyFileSync(join(ROOT, 'bin/run.js'), join(dir, 'bin/run.js'))
    writeFileSync(
      join(dir, 'package.json'),
      JSON.stringify({
        name: 'other-cli',
        version: '9.8.7-rc.1',
        type: 'module',
        oclif: {bin: 'other', additionalVersionFlags: ['-v']},
      }),
    )
    const config = await Config.load(dir)
    for (const args of [['-v'], ['--version'], ['--version', '--json']]) {
      const r = run(join(dir, 'bin/run.js'), args)
      expect(r.status, args.join(' ')).toBe(0)
      expect(r.stdout).toBe(`${config.userAgent}\n`)
    }
    expect(config.userAgent.startsWith('other-cli/9.8.7-rc.1 ')).toBe(true)
  })

  it('leaves an undeclared flag to oclif (oclif reports an unknown command)', () => {
    const dir = join(scratch, 'plain')
    mkdirSync(join(dir, 'bin'), {recursive: true})
    copyFileSync(join(ROOT, 'bin/run.js'), join(dir, 'bin/run.js'))
    writeFileSync(
      join(dir, 'package.json'),
      JSON.stringify({name: 'plain-cli', version: '1.0.0', type: 'module', oclif: {bin: 'plain'}}),
    )
    symlinkSync(join(ROOT, 'node_modules'), join(dir, 'node_modules'))
    const r = run(join(dir, 'bin/run.js'), ['-v'])
    expect(r.stdout).not.toMatch(/^plain-cli\//)
    expect(r.status).toBe(2)
    expect(r.stderr).toContain('-v')
  })

  it('yms-pay declares -v, and answers it with the same line as --version', () => {
    const short = run(join(ROOT, 'bin/run.js'), ['-v'])
    const long = run(join(ROOT, 'bin/run.js'), ['--version'])
    expect(short.status).toBe(0)
    expect(short.stdout).toBe(long.stdout)
  })
})
