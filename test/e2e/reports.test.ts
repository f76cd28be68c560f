import {mkdirSync, rmSync} from 'node:fs'
import {join} from 'node:path'

import {afterAll, beforeAll, describe, expect, it} from 'vitest'

import {createStripeEmulator} from '../../src/sandbox/stripe/emulator.js'
import {serveEmulator, type RunningServer} from '../../src/sandbox/emulator.js'
import {exportScenario} from '../../src/sandbox/export.js'
import {generateScenario} from '../../src/sandbox/generate.js'
import {runCli, tempHome} from '../helpers/cli.js'
import {ErrorJson, Metrics, QuarantineList, ReplayResult, Status, TxnDetail, TxnList} from '../commands/shapes.js'

// The --json contract of the read-side commands (README, Commands): the strict shapes the command tests hold them to
// (test/commands/shapes.ts), here after a real sync through the built binary.

describe('read-side commands (built binary, no TTY, after a real sync)', () => {
  const home = tempHome()
  const now = Date.now()
  const scenario = generateScenario({
    seed: 9,
    customers: 24,
    transactions: 120,
    start: new Date(now - 30 * 86_400_000).toISOString(),
    end: new Date(now).toISOString(),
    gateways: ['stripe'],
  })
  let server: RunningServer
  let env: Record<string, string>

  beforeAll(async () => {
    const emulator = createStripeEmulator({scenario, share: 'own', clock: {now: () => Date.now()}})
    server = await serveEmulator(emulator)
    env = {
      YMS_PAY_SECRET_ACME_API_KEY: emulator.secrets.api_key!,
      YMS_PAY_SECRET_ACME_WEBHOOK_SECRET: emulator.secrets.webhook_secret!,
    }
    const dir = join(home, 'export')
    mkdirSync(dir)
    await exportScenario(scenario, dir)
    for (const args of [
      ['sites', 'import', join(dir, 'sites.csv')],
      ['customers', 'import', join(dir, 'customers.csv')],
      [
        'providers',
        'add',
        'acme',
        '--kind',
        'stripe',
        '--base-url',
        server.baseUrl,
        '--segment',
        'retail',
        '--segment',
        'wholesale',
      ],
      ['sync', '--json'],
    ]) {
      const r = await runCli(args, {home, env})
      expect(r.code, `${args.join(' ')}: ${r.stderr}`).toBe(0)
    }
  })

  afterAll(async () => {
    await server?.close()
    rmSync(home, {recursive: true, force: true})
  })

  it('transactions list and show: frozen shapes, table with formatted amounts, exit 2 on an unknown id', async () => {
    const list = TxnList.parse(
      (await runCli(['transactions', 'list', '--limit', '5', '--json'], {home})).json(),
    ).transactions
    expect(list).toHaveLength(5)
    const show = await runCli(['transactions', 'show', list[0]!.id, '--json'], {home})
    expect(show.code, show.stderr).toBe(0)
    const d = TxnDetail.parse(show.json())
    expect(d.transaction.id).toBe(list[0]!.id)
    expect(d.states.length).toBeGreaterThan(0)
    const table = await runCli(['transactions', 'list', '--limit', '3'], {home})
    expect(table.stdout).toMatch(/\d+(\.\d+)? [A-Z]{3}/) // formatMoney, never raw minor units alone
    const missing = await runCli(['transactions', 'show', 'acme:nope', '--json'], {home})
    expect(missing.code).toBe(2)
    expect(ErrorJson.parse(missing.json()).error.hint).toMatch(/transactions list/)
  })

  it('quarantine list (with and without raw) and replay: usage error without --id/--all, ReplayResult after a grant', async () => {
    const items = QuarantineList.parse(
      (await runCli(['quarantine', 'list', '--limit', '1000', '--json'], {home})).json(),
    ).items
    expect(items.length).toBeGreaterThan(0)
    expect(items.every((q) => q.status === 'open' && q.raw === undefined)).toBe(true)
    const withRaw = QuarantineList.parse(
      (await runCli(['quarantine', 'list', '--raw', '--limit', '1', '--json'], {home})).json(),
    ).items
    expect(withRaw[0]!.raw).toBeDefined()
    const bare = await runCli(['quarantine', 'replay'], {home})
    expect(bare.code).toBe(2)
    expect(bare.stderr).toMatch(/--id N.*--all/)
    expect((await runCli(['providers', 'grant', 'acme', '--segment', 'vip'], {home})).code).toBe(0)
    const replay = ReplayResult.parse((await runCli(['quarantine', 'replay', '--all', '--json'], {home})).json())
    expect(replay.considered).toBe(items.length)
    // The denied payments apply, and any refund or dispute that waited for one of them with it.
    expect(replay.applied).toBe(items.filter((q) => ['access_denied', 'awaiting_parent'].includes(q.reason)).length)
  })

  it('metrics: the same JSON from --json and --format json; Prometheus text with the documented families', async () => {
    const json = Metrics.parse((await runCli(['metrics', '--json'], {home})).json())
    expect(json.providers.map((p) => p.provider)).toEqual(['acme'])
    expect(json.providers[0]!.calls).toBeGreaterThan(0)
    const format = Metrics.parse(JSON.parse((await runCli(['metrics', '--format', 'json'], {home})).stdout))
    expect(format.providers).toEqual(json.providers)
    const prom = await runCli(['metrics', '--format', 'prometheus', '--window', '1h'], {home})
    expect(prom.code).toBe(0)
    expect(prom.stdout).toContain('# TYPE yms_pay_sync_latency_ms summary')
    expect(prom.stdout).toMatch(/^yms_pay_gateway_calls_total\{provider="acme"\} [1-9]\d*$/m)
    expect(prom.stdout).toMatch(/^yms_pay_gateway_uptime_ratio\{provider="acme"\} 1$/m)
    expect(prom.stdout).toMatch(/^yms_pay_retry_attempts_total\{provider="acme"\} 0$/m)
    expect((await runCli(['metrics', '--window', 'soon'], {home})).code).toBe(2)
  })

  it('status: frozen shape, provider healthy after the sync, quarantine drained by the replay', async () => {
    const r = await runCli(['status', '--json'], {home})
    expect(r.code, r.stderr).toBe(0)
    const s = Status.parse(r.json())
    expect(s.providers).toEqual([
      expect.objectContaining({id: 'acme', kind: 'stripe', health: 'ok', failures24h: 0, lastError: null}),
    ])
    expect(s.sites.map((x) => x.id).sort()).toEqual([...new Set(scenario.customers.map((c) => c.site))].sort())
    expect(s.quarantine.byReason.access_denied ?? 0).toBe(0)
    const table = await runCli(['status'], {home})
    expect(table.stdout).toMatch(/acme/)
  })
})
