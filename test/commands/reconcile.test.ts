import {afterAll, beforeAll, describe, expect, it} from 'vitest'

import type {SyncWorld} from '../helpers/sync-world.js'
import {run, tempHome, writeInput} from './helpers.js'
import {CustomerDetail, ErrorJson} from './shapes.js'
import {BalanceExportJson, ReconcileJson, ReconcileList, ReconcileShowJson, ResolveJson} from './reconcile-shapes.js'
import {stripeWorld} from './world.js'

describe('reconcile on a synced world', () => {
  let world: SyncWorld
  beforeAll(async () => void (world = await stripeWorld({sync: true})))
  afterAll(async () => world?.close())

  const reconcile = (args: string[]) => run(['reconcile', ...args], {home: world.home, env: world.env})

  it('--json: the CLI.md shape, exit 3 while exceptions are open; the same ledger gives the same JSON', async () => {
    const r = await reconcile(['--site', 'berlin', '--json'])
    expect(r.exitCode).toBe(3)
    const first = ReconcileJson.parse(r.json())
    expect(first.open).toBeGreaterThan(0)
    expect(first.counts.matched).toBeGreaterThan(0)
    expect(first.identity.holds).toBe(true)
    const again = ReconcileJson.parse((await reconcile(['--site', 'berlin', '--json'])).json())
    expect({...again, runId: 0, at: ''}).toEqual({...first, runId: 0, at: ''})
    expect(again.runId).toBe(first.runId + 1)
  })

  it('a table on a terminal, CSV for spreadsheets, and flags that make no sense exit 2', async () => {
    const table = await reconcile(['--site', 'boston', '--limit', '2'])
    expect(table.exitCode).toBe(3)
    expect(table.stdout).toMatch(/│ matched/)
    expect(table.stdout).toContain('balance identity  holds')
    expect(table.stdout).toMatch(/\.\.\. and \d+ more/)
    const csv = await reconcile(['--site', 'boston', '--format', 'csv'])
    const json = ReconcileJson.parse((await reconcile(['--site', 'boston', '--json'])).json())
    const lines = csv.stdout.trimEnd().split(/\r?\n/)
    expect(lines[0]).toBe(
      'id,class,status,invoices,transactions,expected,expected_currency,actual,actual_currency,note,resolution',
    )
    expect(lines).toHaveLength(json.exceptions.length + 1)
    expect(lines[1]!.startsWith(`${json.exceptions[0]!.id},${json.exceptions[0]!.class},open,`)).toBe(true)
    for (const [args, code] of [
      [['--site', 'boston', '--tolerance', '5'], 2],
      [['--site', 'boston', '--from', 'yesterday'], 2],
      [['--site', 'atlantis'], 2],
      [['--site', 'boston', '--provider', 'atlantis-pay'], 2],
      [[], 2],
    ] as const) {
      const bad = await reconcile([...args, '--json'])
      expect(bad.exitCode, args.join(' ')).toBe(code)
      ErrorJson.parse(bad.json())
    }
  })

  it('resolve every open exception: the next run exits 0; list and show tell the story', async () => {
    const before = ReconcileJson.parse((await reconcile(['--site', 'kuwait', '--json'])).json())
    expect(before.exceptions.length).toBeGreaterThan(2)
    for (const e of before.exceptions) {
      const r = await reconcile(['resolve', e.id, '--note', 'checked with the customer', '--json'])
      expect(r.exitCode).toBe(0)
      expect(ResolveJson.parse(r.json())).toMatchObject({
        id: e.id,
        status: 'resolved',
        note: 'checked with the customer',
      })
    }
    const after = await reconcile(['--site', 'kuwait', '--json'])
    expect(after.exitCode).toBe(0)
    const result = ReconcileJson.parse(after.json())
    expect(result.open).toBe(0)
    expect(result.exceptions.every((e) => e.status === 'resolved')).toBe(true)
    const runs = ReconcileList.parse((await reconcile(['list', '--site', 'kuwait', '--json'])).json())
    expect(runs.map((x) => [x.runId, x.open])).toEqual([
      [result.runId, 0],
      [before.runId, before.open],
    ])
    const shown = ReconcileShowJson.parse((await reconcile(['show', String(before.runId), '--json'])).json())
    expect(shown.exceptions.map((e) => [e.id, e.status, e.changedSince])).toEqual(
      before.exceptions.map((e) => [e.id, 'resolved', false]),
    )
    expect((await reconcile(['show', '424242', '--json'])).exitCode).toBe(2)
    expect((await reconcile(['resolve', 'rx_0000000000000000', '--note', 'x', '--json'])).exitCode).toBe(2)
    const status = await run(['status', '--json'], {home: world.home})
    expect(
      (status.json() as {exceptions: {bySite: Array<{site: string; open: number}>}}).exceptions.bySite,
    ).toContainEqual(expect.objectContaining({site: 'kuwait', open: 0}))
  })

  it('customers export --balances: every customer, per currency and in the base currency, as customers show says', async () => {
    const json = BalanceExportJson.parse(
      (await run(['customers', 'export', '--balances', '--json'], {home: world.home})).json(),
    )
    expect(json.customers.length).toBe(world.scenario.customers.length)
    const someone = json.customers.find((c) => c.balances.some((b) => b.minor !== 0))!
    const shown = CustomerDetail.parse(
      (await run(['customers', 'show', someone.id, '--json'], {home: world.home})).json(),
    )
    expect(someone.baseBalance).toEqual(shown.baseBalance)
    expect(someone.balances.map(({inBase: _, ...m}) => m)).toEqual(shown.balances)
    const csv = await run(['customers', 'export', '--balances', '--site', 'tokyo'], {home: world.home})
    expect(csv.exitCode).toBe(0)
    const lines = csv.stdout.trimEnd().split(/\r?\n/)
    expect(lines[0]).toBe('customer,site,name,currency,balance,base_currency,base_balance')
    const tokyo = json.customers.filter((c) => c.site === 'tokyo')
    expect(lines).toHaveLength(1 + tokyo.reduce((n, c) => n + c.balances.length, 0))
    expect(lines.slice(1).every((l) => l.split(',')[1] === 'tokyo')).toBe(true)
  })
})

describe('customers export: cells a spreadsheet would run are neutralised', () => {
  const {home, cleanup} = tempHome()
  afterAll(cleanup)

  it('a name beginning with = is prefixed with a quote; a negative balance stays a number', async () => {
    const sites = writeInput(home, 'sites.csv', 'id,name,currency\nlyon,Lyon,EUR\n')
    const customers = writeInput(
      home,
      'customers.csv',
      'id,site,segment,name,email\nc1,lyon,retail,"=HYPERLINK(""http://evil.example"",""x"")",a@example.com\nc2,lyon,retail,@SUM(A1),b@example.com\n',
    )
    const invoices = writeInput(
      home,
      'invoices.csv',
      'id,site,customer,amount,currency,issued_at,due_at\ni1,lyon,c1,12.50,EUR,2026-01-01,\n',
    )
    for (const [what, file] of [
      ['sites', sites],
      ['customers', customers],
      ['invoices', invoices],
    ] as const)
      expect((await run([what, 'import', file], {home})).exitCode).toBe(0)
    const csv = (await run(['customers', 'export', '--balances'], {home})).stdout.replace(/\r\n/g, '\n')
    expect(csv).toBe(
      [
        'customer,site,name,currency,balance,base_currency,base_balance',
        `c1,lyon,"'=HYPERLINK(""http://evil.example"",""x"")",EUR,12.50,EUR,12.50`,
        "c2,lyon,'@SUM(A1),EUR,0.00,EUR,0.00",
        '',
      ].join('\n'),
    )
  })
})

// Imports only, no sync: what this file checks on a synced world, on a ledger any store can hold (the suite's
// PostgreSQL run keeps it there).
describe('reconcile, its list, show and resolve on an imported ledger', () => {
  const {home, cleanup} = tempHome()
  afterAll(cleanup)

  it('unpaid invoices are open exceptions until resolved; the runs list and show what each found', async () => {
    const files = {
      sites: writeInput(home, 'sites.csv', 'id,name,currency\nlyon,Lyon,EUR\n'),
      customers: writeInput(home, 'customers.csv', 'id,site,segment,name,email\nc1,lyon,retail,Ana,a@example.com\n'),
      invoices: writeInput(
        home,
        'invoices.csv',
        'id,site,customer,amount,currency,issued_at,due_at\ni1,lyon,c1,12.50,EUR,2026-01-01,\ni2,lyon,c1,7.00,EUR,2026-01-02,2026-01-20\n',
      ),
    }
    for (const [what, file] of Object.entries(files))
      expect((await run([what, 'import', file], {home})).exitCode).toBe(0)
    const first = await run(['reconcile', '--site', 'lyon', '--json'], {home})
    expect(first.exitCode).toBe(3)
    const found = ReconcileJson.parse(first.json())
    expect(found.counts.unpaid).toBe(2)
    expect(found.exceptions.map((e) => [e.class, e.invoice, e.expected])).toEqual([
      ['unpaid', 'i1', {minor: 1250, currency: 'EUR'}],
      ['unpaid', 'i2', {minor: 700, currency: 'EUR'}],
    ])
    expect(found.identity.holds).toBe(true)
    for (const e of found.exceptions) {
      const r = await run(['reconcile', 'resolve', e.id, '--note', 'paid by bank transfer', '--json'], {home})
      expect(ResolveJson.parse(r.json())).toMatchObject({id: e.id, status: 'resolved'})
    }
    const second = await run(['reconcile', '--site', 'lyon', '--json'], {home})
    expect(second.exitCode).toBe(0)
    expect(ReconcileJson.parse(second.json()).exceptions.map((e) => e.status)).toEqual(['resolved', 'resolved'])
    const runs = ReconcileList.parse((await run(['reconcile', 'list', '--json'], {home})).json())
    expect(runs.map((r) => [r.runId, r.site, r.exceptions, r.open])).toEqual([
      [found.runId + 1, 'lyon', 2, 0],
      [found.runId, 'lyon', 2, 2],
    ])
    const shown = ReconcileShowJson.parse(
      (await run(['reconcile', 'show', String(found.runId), '--json'], {home})).json(),
    )
    expect(shown.exceptions.map((e) => [e.status, e.changedSince])).toEqual([
      ['resolved', false],
      ['resolved', false],
    ])
    expect((await run(['reconcile', '--site', 'nowhere'], {home})).exitCode).toBe(2)
  })
})
