import {afterAll, beforeAll, describe, expect, it} from 'vitest'

import type {SyncWorld} from '../helpers/sync-world.js'
import {run, stripeEnv, tempHome} from './helpers.js'
import {ErrorJson, Metrics} from './shapes.js'
import {stripeWorld} from './world.js'

const MINUTE = 60_000

describe('metrics (after a sync, beside an idle provider)', () => {
  let world: SyncWorld
  const metrics = async (flags: string[]) => {
    const r = await run(['metrics', ...flags, '--json'], {home: world.home})
    expect(r.exitCode, r.stdout).toBe(0)
    return Metrics.parse(r.json())
  }

  beforeAll(async () => {
    world = await stripeWorld({sync: true})
    expect(
      (await run(['providers', 'add', 'idle', '--kind', 'stripe'], {home: world.home, env: stripeEnv('idle')}))
        .exitCode,
    ).toBe(0)
  })
  afterAll(() => world?.close())

  it('every provider: the synced one with its calls and uptime, the idle one empty', async () => {
    const m = await metrics([])
    expect(m.window).toBe('24h')
    expect(Date.parse(m.to) - Date.parse(m.from)).toBe(24 * 60 * MINUTE)
    expect(m.providers.map((p) => p.provider)).toEqual(['acme-stripe', 'idle'])
    const [acme, idle] = m.providers
    expect(acme).toMatchObject({uptimePct: 100, errors: 0})
    expect(acme!.calls).toBeGreaterThan(0)
    // A first sync is a backfill: its objects are history, not latency samples (services/sync/apply.ts).
    expect(acme!.syncLatencyMs).toEqual({p50: null, p95: null, p99: null, count: 0})
    expect(idle).toEqual({
      provider: 'idle',
      syncLatencyMs: {p50: null, p95: null, p99: null, count: 0},
      syncLatencyBySource: {
        pull: {p50: null, p95: null, p99: null, count: 0},
        webhook: {p50: null, p95: null, p99: null, count: 0},
      },
      webhookToLedgerMs: {p50: null, p95: null, p99: null, count: 0},
      uptimePct: null,
      calls: 0,
      errors: 0,
      retry: {attempted: 0, recovered: 0, eligible: 0, pending: 0, successRate: null},
    })
  })

  it('--provider keeps only that provider', async () => {
    expect((await metrics(['--provider', 'acme-stripe'])).providers.map((p) => p.provider)).toEqual(['acme-stripe'])
  })

  it('--window sets the span the report covers', async () => {
    const m = await metrics(['--window', '15m'])
    expect(m.window).toBe('15m')
    expect(Date.parse(m.to) - Date.parse(m.from)).toBe(15 * MINUTE)
    // The sync ran moments ago, so its calls fall inside even a short window.
    expect(m.providers[0]!.calls).toBe((await metrics([])).providers[0]!.calls)
  })

  it('--format json prints the same report as --json; --format prometheus the exposition text', async () => {
    const json = await metrics(['--provider', 'acme-stripe'])
    const format = await run(['metrics', '--provider', 'acme-stripe', '--format', 'json'], {home: world.home})
    expect(format.exitCode).toBe(0)
    expect(Metrics.parse(JSON.parse(format.stdout)).providers).toEqual(json.providers)

    const prom = await run(['metrics', '--format', 'prometheus'], {home: world.home})
    expect(prom.exitCode).toBe(0)
    expect(prom.stdout).toContain('# TYPE yms_pay_sync_latency_ms summary')
    expect(prom.stdout).toMatch(
      new RegExp(`^yms_pay_gateway_calls_total\\{provider="acme-stripe"\\} ${json.providers[0]!.calls}$`, 'm'),
    )
    expect(prom.stdout).toMatch(/^yms_pay_gateway_uptime_ratio\{provider="acme-stripe"\} 1$/m)
  })

  it('the default table names each provider', async () => {
    const r = await run(['metrics'], {home: world.home})
    expect(r.exitCode).toBe(0)
    expect(r.stdout).toMatch(/acme-stripe\s.*100\.00%/)
    expect(r.stdout).toMatch(/idle/)
  })

  it.each([
    [['metrics', '--window', 'soon'], /--window/],
    [['metrics', '--window', '0m'], /--window/],
    [['metrics', '--provider', 'nope'], /--provider nope/],
    [['metrics', '--format', 'xml'], /--format/],
  ])('%j exits 2', async (args, message) => {
    const r = await run([...args, '--json'], {home: world.home})
    expect(r.exitCode).toBe(2)
    expect(ErrorJson.parse(r.json()).error.message).toMatch(message)
  })
})

describe('metrics on an empty home', () => {
  const {home, cleanup} = tempHome()
  afterAll(cleanup)
  // A home exists once a setup command has made its ledger (an exchange rate: no site, no provider); a directory
  // without one is refused (test/e2e/home-cron.test.ts).
  beforeAll(async () => {
    expect((await run(['fx', 'set', 'EUR', 'USD', '1.1'], {home})).exitCode).toBe(0)
  })

  it('reports no providers, and says how to connect one', async () => {
    const json = await run(['metrics', '--json'], {home})
    expect(Metrics.parse(json.json()).providers).toEqual([])
    const table = await run(['metrics'], {home})
    expect(table.stdout).toMatch(/no providers .*providers add/)
  })
})
