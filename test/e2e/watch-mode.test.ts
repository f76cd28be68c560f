import {spawn} from 'node:child_process'

import {afterAll, beforeAll, describe, expect, it} from 'vitest'

import {createStripeEmulator} from '../../src/sandbox/stripe/emulator.js'
import {serveEmulator, type RunningServer} from '../../src/sandbox/emulator.js'
import {generateScenario} from '../../src/sandbox/generate.js'
import {BIN, runCli, tempHome} from '../helpers/cli.js'
import {storeEnv} from '../helpers/pg-mode.js'

describe('sync --watch without a TTY (as under systemd or a log shipper)', () => {
  let server: RunningServer
  let apiKey: string
  const home = tempHome()

  beforeAll(async () => {
    const now = Date.now()
    const scenario = generateScenario({
      seed: 5,
      customers: 10,
      transactions: 150,
      start: new Date(now - 10 * 86_400_000).toISOString(),
      end: new Date(now).toISOString(),
      gateways: ['stripe'],
    })
    const emulator = createStripeEmulator({scenario, share: 'own', clock: {now: () => Date.now()}})
    apiKey = emulator.secrets.api_key!
    server = await serveEmulator(emulator)
    const {exportScenario} = await import('../../src/sandbox/export.js')
    const files = (await exportScenario(scenario, home)).files
    for (const [what, file] of [
      ['sites', files.sites],
      ['customers', files.customers],
    ] as const)
      expect((await runCli([what, 'import', file], {home})).code).toBe(0)
    expect(
      (
        await runCli(['providers', 'add', 'live', '--kind', 'stripe', '--base-url', server.baseUrl, '--segment', '*'], {
          home,
        })
      ).code,
    ).toBe(0)
  })
  afterAll(() => server.close())

  it('prints one JSON line per page, keeps polling, and stops cleanly on SIGTERM', async () => {
    const child = spawn(process.execPath, [BIN, 'sync', '--watch', '--interval', '1s'], {
      env: {
        PATH: process.env.PATH ?? '',
        HOME: process.env.HOME ?? '/tmp',
        YMS_PAY_HOME: home,
        CI: 'true',
        YMS_PAY_SECRET_LIVE_API_KEY: apiKey,
        ...(await storeEnv(home)),
      },
      stdio: ['ignore', 'pipe', 'pipe'],
    })
    let stdout = ''
    let stderr = ''
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()))
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()))
    // Wait for at least two completed runs (the initial backfill, then a poll), then ask it to stop.
    const deadline = Date.now() + 20_000
    while ((stdout.match(/"event":"run"/g) ?? []).length < 2 && Date.now() < deadline)
      await new Promise((r) => setTimeout(r, 100))
    child.kill('SIGTERM')
    const code = await new Promise<number | null>((resolve) => child.on('close', resolve))
    expect(code, stderr).toBe(0)
    const lines = stdout
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l) as Record<string, unknown>)
    const pages = lines.filter((l) => l.page !== undefined)
    const runs = lines.filter((l) => l.event === 'run')
    expect(runs.length).toBeGreaterThanOrEqual(2)
    expect(runs.every((r) => r.status === 'ok')).toBe(true)
    expect(pages.reduce((n, p) => n + (p.inserted as number), 0)).toBeGreaterThan(100)
    expect(runs.at(-1)).toMatchObject({inserted: 0, posted: 0}) // a poll with nothing new changes nothing
    expect(stderr).toMatch(/SIGTERM: finishing the page in flight/)
    // The lease was released on the way out: a one-shot run right after is not locked out.
    const next = await runCli(['sync', '--json'], {home, env: {YMS_PAY_SECRET_LIVE_API_KEY: apiKey}})
    expect(next.code).toBe(0)
    expect(next.json()).toMatchObject({runs: [{provider: 'live', status: 'ok'}]})
  }, 40_000)
})
