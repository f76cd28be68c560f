import {afterAll, beforeAll, describe, expect, it} from 'vitest'
import {z} from 'zod'

import {homeQuery} from '../helpers/home-ledger.js'
import {PG_MODE} from '../helpers/pg-mode.js'
import type {SyncWorld} from '../helpers/sync-world.js'
import {run, runUntilSignal, secretEnv, tempHome} from './helpers.js'
import {ErrorJson, ProviderRun, SyncResult, TxnList} from './shapes.js'
import {stripeWorld} from './world.js'

const stored = async (home: string) =>
  TxnList.parse((await run(['transactions', 'list', '--limit', '100000', '--json'], {home})).json()).transactions

describe('sync: which providers run, and the exit code they add up to', () => {
  let world: SyncWorld
  let env: Record<string, string>
  const sync = async (flags: string[], withEnv = env) => {
    const r = await run(['sync', ...flags, '--json'], {home: world.home, env: withEnv})
    return {exitCode: r.exitCode, result: SyncResult.parse(r.json())}
  }
  const statuses = (result: {runs: Array<{provider: string; status: string}>}) =>
    Object.fromEntries(result.runs.map((x) => [x.provider, x.status]))

  // acme-stripe holds the emulator's key; `other` talks to the same emulator with a key it refuses.
  beforeAll(async () => {
    world = await stripeWorld()
    env = {...world.env, ...secretEnv('other', {api_key: 'sk_test_refused', webhook_secret: 'whsec_refused'})}
    expect(
      (
        await run(['providers', 'add', 'other', '--kind', 'stripe', '--base-url', world.stripe.baseUrl], {
          home: world.home,
          env,
        })
      ).exitCode,
    ).toBe(0)
  })
  afterAll(() => world?.close())

  it('--provider runs only that provider; what it reports inserted is what the ledger now lists', async () => {
    const {exitCode, result} = await sync(['--provider', 'acme-stripe'])
    expect(exitCode).toBe(0)
    expect(statuses(result)).toEqual({'acme-stripe': 'ok'})
    const txns = await stored(world.home)
    expect(txns.length).toBeGreaterThan(0)
    expect(result.runs[0]).toMatchObject({inserted: txns.length, updated: 0})
    expect(result.totals).toMatchObject({providers: 1, failed: 0, inserted: txns.length, pages: result.runs[0]!.pages})
  })

  it('a second pass finds nothing new and posts nothing', async () => {
    const {exitCode, result} = await sync(['--provider', 'acme-stripe'])
    expect(exitCode).toBe(0)
    expect(result.runs[0]).toMatchObject({status: 'ok', inserted: 0, updated: 0, posted: 0})
  })

  it('--provider repeats; one failing beside one ok exits 4 and names the failure', async () => {
    const {exitCode, result} = await sync(['--provider', 'acme-stripe', '--provider', 'other'])
    expect(exitCode).toBe(4)
    expect(statuses(result)).toEqual({'acme-stripe': 'ok', other: 'failed'})
    expect(result.runs.find((x) => x.provider === 'other')).toMatchObject({exitCode: 77, error: expect.any(String)})
    expect(result.totals).toMatchObject({providers: 2, failed: 1})
  })

  it('without --provider every ENABLED provider runs; a disabled one is left out', async () => {
    expect((await run(['providers', 'disable', 'other'], {home: world.home, env})).exitCode).toBe(0)
    const {exitCode, result} = await sync([])
    expect(exitCode).toBe(0)
    expect(statuses(result)).toEqual({'acme-stripe': 'ok'})
  })

  it('a disabled provider named with --provider is never called: exit 78 saying it is disabled', async () => {
    const calls = world.stripe.requests()
    const r = await run(['sync', '--provider', 'other', '--json'], {home: world.home, env})
    expect(r.exitCode).toBe(78)
    expect(ErrorJson.parse(r.json()).error).toMatchObject({
      code: 'provider_disabled',
      message: expect.stringMatching(/--provider other: disabled/),
      hint: expect.stringContaining('yms-pay providers enable other'),
    })
    // Named beside an enabled one, it still refuses the whole run rather than quietly dropping it.
    const both = await run(['sync', '--provider', 'acme-stripe', '--provider', 'other', '--json'], {
      home: world.home,
      env,
    })
    expect(both.exitCode).toBe(78)
    expect(world.stripe.requests()).toBe(calls)
  })

  it('a missing API secret exits 78, the run naming the variable that would provide it', async () => {
    const {exitCode, result} = await sync(['--provider', 'acme-stripe'], {})
    expect(exitCode).toBe(78)
    expect(result.runs[0]).toMatchObject({
      status: 'failed',
      exitCode: 78,
      error: expect.stringContaining('YMS_PAY_SECRET_ACME_STRIPE_API_KEY'),
    })
  })

  it.each([
    [['sync', '--provider', 'nope'], /--provider nope: unknown provider/],
    [['sync', '--since', 'last tuesday'], /--since "last tuesday": not a time/],
    [['sync', '--concurrency', '0'], /--concurrency/],
    [['sync', '--concurrency', '33'], /--concurrency/],
    [['sync', '--watch', '--interval', 'soon'], /--interval "soon"/],
    [['sync', '--watch', '--interval', '0s'], /--interval "0s": must be greater than zero/],
  ])('%j exits 2 and syncs nothing', async (args, message) => {
    const before = await stored(world.home)
    const r = await run([...args, '--json'], {home: world.home, env})
    expect(r.exitCode).toBe(2)
    expect(ErrorJson.parse(r.json()).error.message).toMatch(message)
    expect(await stored(world.home)).toEqual(before)
  })
})

describe('sync --since on a first sync', () => {
  let world: SyncWorld
  beforeAll(async () => void (world = await stripeWorld()))
  afterAll(() => world?.close())

  it('starts from --since instead of the beginning of the history', async () => {
    const since = '2026-03-01T00:00:00.000Z'
    const r = await run(['sync', '--since', since, '--json'], {home: world.home, env: world.env})
    expect(r.exitCode, r.stdout).toBe(0)
    const payments = (await stored(world.home)).filter((t) => t.type === 'payment')
    const expected = world.scenario.payments.filter((p) => p.createdAt >= since)
    expect(expected.length).toBeGreaterThan(0)
    expect(expected.length).toBeLessThan(world.scenario.payments.length)
    expect(payments).toHaveLength(expected.length)
    expect(payments.every((t) => t.occurredAt >= since)).toBe(true)
  })
})

describe('sync --watch (in-process, stopped as SIGTERM would stop it)', () => {
  let world: SyncWorld
  beforeAll(async () => void (world = await stripeWorld({transactions: 40})))
  afterAll(() => world?.close())

  it('with --json: one JSON line per page and per run, no summary object; a stop ends the interval wait, exit 0', async () => {
    const finishedRuns = async () =>
      Number(
        (await homeQuery<{n: number}>(world.home, `SELECT COUNT(*) AS n FROM sync_runs WHERE status = 'ok'`))[0]!.n,
      )
    const r = await runUntilSignal(
      'SIGTERM',
      ['sync', '--watch', '--interval', '1h', '--json'],
      {home: world.home, env: world.env},
      async () => (await finishedRuns()) >= 1,
    )
    expect(r.exitCode).toBe(0)
    const lines = r.stdout
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l) as {event: string; provider: string})
    expect(lines.filter((l) => l.event === 'page').length).toBeGreaterThan(0)
    const runs = lines.filter((l) => l.event === 'run')
    expect(runs).toHaveLength(1)
    expect(ProviderRun.extend({at: z.string(), event: z.literal('run')}).parse(runs[0])).toMatchObject({
      provider: 'acme-stripe',
      status: 'ok',
    })
  })
})

describe('sync with nothing to call', () => {
  const {home, cleanup} = tempHome()
  afterAll(cleanup)

  it('a home with no provider exits 78 naming the home and how to add one (cron must notice)', async () => {
    expect((await run(['sites', 'add', 'berlin', '--name', 'Berlin', '--currency', 'EUR'], {home})).exitCode).toBe(0)
    const json = await run(['sync', '--json'], {home})
    expect(json.exitCode).toBe(78)
    expect(ErrorJson.parse(json.json()).error).toMatchObject({
      code: 'no_enabled_providers',
      // A PostgreSQL ledger is named by its URL, not by the home.
      message: expect.stringContaining(
        PG_MODE
          ? 'no enabled providers in the PostgreSQL ledger'
          : `no enabled providers in ${home} (from YMS_PAY_HOME)`,
      ),
      hint: expect.stringMatching(PG_MODE ? /providers add.*YMS_PAY_DATABASE_URL/ : /providers add/),
    })
  })

  it('a home whose providers are all disabled says so, and how to enable one', async () => {
    expect((await run(['providers', 'add', 'acme', '--kind', 'stripe'], {home})).exitCode).toBe(0)
    expect((await run(['providers', 'disable', 'acme'], {home})).exitCode).toBe(0)
    const r = await run(['sync', '--json'], {home})
    expect(r.exitCode).toBe(78)
    expect(ErrorJson.parse(r.json()).error).toMatchObject({
      message: expect.stringContaining('(1 disabled)'),
      hint: expect.stringMatching(/providers enable/),
    })
  })
})
