import {rmSync} from 'node:fs'

import {afterAll, beforeAll, describe, expect, it} from 'vitest'

import {displayWidth} from '../../src/cli/text-width.js'
import {runCli, tempHome} from '../helpers/cli.js'

const SMALL = ['--customers', '10', '--transactions', '40', '--seed', '2']
const widest = (text: string) => Math.max(0, ...text.split('\n').map(displayWidth))

/**
 * The tables of demo, status, sync and providers list fit the terminal a person has. The built binary is run with
 * COLUMNS set, as a terminal of that width would be read (cli/render.ts terminalColumns); no line of stdout may be
 * wider. The kept demo home has no secrets in this environment, so its sync fails with long messages: the widest
 * cells there are.
 */
describe('tables fit 80, 100 and 140 columns (built binary)', () => {
  const home = tempHome()
  let kept = ''

  beforeAll(async () => {
    const r = await runCli(['demo', ...SMALL, '--keep', '--json'], {home})
    expect(r.code, r.stderr).toBe(0)
    kept = r.json<{home: string}>().home
    // Without the demo's secrets every provider fails, and status then shows each error.
    expect((await runCli(['sync', '--home', kept], {home})).code).not.toBe(0)
  }, 60_000)
  afterAll(() => {
    rmSync(home, {recursive: true, force: true})
    if (kept) rmSync(kept, {recursive: true, force: true})
  })

  const commands: Array<[string, string[]]> = [
    ['demo', ['demo', ...SMALL]],
    ['status', ['status']],
    ['sync', ['sync']],
    ['providers list', ['providers', 'list']],
  ]

  it.each([80, 100, 140].flatMap((columns) => commands.map(([name, args]) => [columns, name, args] as const)))(
    'at %i columns, %s',
    async (columns, _name, args) => {
      const r = await runCli(args[0] === 'demo' ? args : [...args, '--home', kept], {
        home,
        env: {COLUMNS: String(columns)},
      })
      expect(r.stdout).toMatch(/provider|id/)
      expect(widest(r.stdout), r.stdout).toBeLessThanOrEqual(columns)
    },
    30_000,
  )

  it('status names every provider in full and cuts its long errors, saying where the whole text is', async () => {
    const r = await runCli(['status', '--home', kept], {home, env: {COLUMNS: '80'}})
    for (const id of ['demo-stripe', 'demo-adyen', 'demo-paypal', 'demo-square', 'demo-braintree'])
      expect(r.stdout).toContain(id)
    expect(r.stdout).toMatch(/(ago|just now): .*…/)
    expect(r.stdout).toMatch(/--json has every\s+value/)
  })

  it('without a terminal width (a pipe, a file) tables are not fitted: nothing is cut', async () => {
    const r = await runCli(['status', '--home', kept], {home})
    expect(r.stdout).not.toMatch(/…|to fit/)
    expect(widest(r.stdout)).toBeGreaterThan(140)
  })
})
