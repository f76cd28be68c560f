import {fileURLToPath} from 'node:url'

import {beforeAll, describe, expect, it} from 'vitest'
import {z} from 'zod'

import {runCli, tempHome} from '../helpers/cli.js'
import {storedText} from '../helpers/home-ledger.js'

const fixture = (name: string) => fileURLToPath(new URL(`../fixtures/imports/${name}`, import.meta.url))

// The --json contract scripts depend on (README, Commands). Strict objects: a renamed or dropped field fails here.
const ImportResultSchema = z.strictObject({
  inserted: z.number().int(),
  updated: z.number().int(),
  unchanged: z.number().int(),
  rejected: z.array(z.strictObject({line: z.number().int().positive(), error: z.string().min(1)})),
})
const SiteSchema = z.strictObject({
  id: z.string(),
  name: z.string(),
  currency: z.string(),
  country: z.string().nullable(),
  timezone: z.string().nullable(),
})
const ProviderSchema = z.strictObject({
  id: z.string(),
  kind: z.string(),
  enabled: z.boolean(),
  baseUrl: z.string(),
  sites: z.array(z.string()),
  settings: z.record(z.string(), z.string()),
  grants: z.array(z.strictObject({segment: z.string(), site: z.string(), access: z.enum(['read', 'write'])})),
  secrets: z.array(
    z.strictObject({
      field: z.string(),
      source: z.enum(['env', 'keychain', 'unknown']).nullable(),
      envVar: z.string(),
      use: z.enum(['api', 'webhooks', 'optional']),
    }),
  ),
  fallback: z.string().nullable(),
  retrySchedule: z.string().nullable(),
  maxRetries: z.number().nullable(),
  lastSync: z.string().nullable(),
  // add warns about each secret neither the environment nor the keychain provides (here: webhook_secret)
  warnings: z.array(z.string()).optional(),
})
const ErrorSchema = z.strictObject({
  error: z.strictObject({
    code: z.string(),
    message: z.string(),
    hint: z.string().optional(),
    exitCode: z.number().int(),
  }),
})

describe('set-up commands (built binary, no TTY, as cron runs them)', () => {
  const home = tempHome()

  beforeAll(async () => {
    const r = await runCli(['sites', 'import', fixture('sites.csv'), '--json'], {home})
    expect(r.code, r.stderr).toBe(4) // one bad row: good rows land, exit says "partial"
  })

  it('sites import reports the bad row by line and keeps the good ones; --json shape frozen', async () => {
    const again = await runCli(['sites', 'import', fixture('sites.csv'), '--json'], {home})
    const result = ImportResultSchema.parse(again.json())
    expect(result).toMatchObject({inserted: 0, updated: 0, unchanged: 3})
    expect(result.rejected).toEqual([{line: 5, error: expect.stringContaining('XYZ')}])
    const list = await runCli(['sites', 'list', '--json'], {home})
    const sites = z.strictObject({sites: z.array(SiteSchema)}).parse(list.json()).sites
    expect(sites.map((s) => `${s.id}:${s.currency}`)).toEqual(['berlin:EUR', 'boston:USD', 'tokyo:JPY'])
  })

  it('customers import: idempotent upsert, each bad row named by line with its reason', async () => {
    const first = ImportResultSchema.parse(
      (await runCli(['customers', 'import', fixture('customers.csv'), '--json'], {home})).json(),
    )
    expect(first.inserted).toBe(3)
    const byLine = Object.fromEntries(first.rejected.map((r) => [r.line, r.error]))
    expect(Object.keys(byLine).map(Number)).toEqual([4, 5, 6, 7])
    expect(byLine[4]).toMatch(/unknown site "nowhere"/)
    expect(byLine[5]).toMatch(/email/)
    expect(byLine[6]).toMatch(/ref\.stripe "cus_A1" already belongs to customer "c1"/)
    expect(byLine[7]).toMatch(/site: required/)
    const second = ImportResultSchema.parse(
      (await runCli(['customers', 'import', fixture('customers.csv'), '--json'], {home})).json(),
    )
    expect(second).toMatchObject({inserted: 0, updated: 0, unchanged: 3})
    const show = await runCli(['customers', 'show', 'c2', '--json'], {home})
    expect(show.json()).toMatchObject({id: 'c2', name: 'Bolt, Inc.', refs: {stripe: 'cus_B2', square: 'SQ-B2'}})
  })

  it('invoices import parses amounts exactly, rejects 12.345 USD and 50.5 JPY by line, and posts to the ledger once', async () => {
    const r = await runCli(['invoices', 'import', fixture('invoices.csv'), '--json'], {home})
    expect(r.code).toBe(4)
    const result = ImportResultSchema.parse(r.json())
    expect(result.inserted).toBe(2)
    expect(result.rejected.map((x) => x.line)).toEqual([3, 5, 6, 7])
    expect(result.rejected[0]!.error).toMatch(/amount: amount "12.345" has 3 decimals but USD allows 2/)
    expect(result.rejected[1]!.error).toMatch(/JPY allows 0/)
    expect(result.rejected[3]!.error).toMatch(/issued_at/)
    await runCli(['invoices', 'import', fixture('invoices.csv')], {home})
    const c1 = (await runCli(['customers', 'show', 'c1', '--json'], {home})).json<{
      balances: Array<{minor: number; currency: string}>
    }>()
    expect(c1.balances).toEqual([{minor: 12550, currency: 'EUR'}])
    const c7 = (await runCli(['customers', 'show', 'c7', '--json'], {home})).json<{
      balances: Array<{minor: number; currency: string}>
    }>()
    expect(c7.balances).toEqual([{minor: 5000, currency: 'JPY'}])
  })

  it('usage errors exit 2 with a JSON error naming the problem', async () => {
    const r = await runCli(['sites', 'add', 'x', '--name', 'X', '--currency', 'XYZ', '--json'], {home})
    expect(r.code).toBe(2)
    expect(ErrorSchema.parse(r.json()).error.message).toMatch(/currency.*XYZ/)
    const unknownFlag = await runCli(['sites', 'list', '--bogus'], {home})
    expect(unknownFlag.code).toBe(2)
    expect(unknownFlag.stderr).toMatch(/bogus/)
  })

  it('providers add without a TTY and without --kind fails listing the flags to pass', async () => {
    const r = await runCli(['providers', 'add', 'acme'], {home})
    expect(r.code).toBe(2)
    expect(r.stderr).toMatch(/--kind <stripe\|adyen\|paypal\|square\|braintree>/)
    expect(r.stderr).toMatch(/--secrets-from-stdin/)
  })

  it('providers add/grant/revoke/update/disable are audited; grants default to deny; --json shape frozen', async () => {
    const add = await runCli(['providers', 'add', 'acme-stripe', '--kind', 'stripe', '--site', 'berlin', '--json'], {
      home,
      env: {YMS_PAY_SECRET_ACME_STRIPE_API_KEY: 'sk_test_envonly'},
    })
    expect(add.code, add.stderr).toBe(0)
    const p = ProviderSchema.parse(add.json())
    expect(p.grants).toEqual([])
    expect(p.secrets.find((s) => s.field === 'api_key')).toEqual({
      field: 'api_key',
      source: 'env',
      envVar: 'YMS_PAY_SECRET_ACME_STRIPE_API_KEY',
      use: 'api',
    })
    expect(add.stdout).not.toContain('sk_test_envonly')
    expect(
      (await runCli(['providers', 'grant', 'acme-stripe', '--segment', 'retail', '--site', 'berlin'], {home})).code,
    ).toBe(0)
    expect(
      (
        await runCli(['providers', 'update', 'acme-stripe', '--max-retries', '4', '--retry-schedule', '5m,30m,2h'], {
          home,
        })
      ).code,
    ).toBe(0)
    const bad = await runCli(['providers', 'update', 'acme-stripe', '--retry-schedule', '2h,5m'], {home})
    expect(bad.code).toBe(2)
    expect(bad.stderr).toMatch(/--retry-schedule/)
    expect((await runCli(['providers', 'disable', 'acme-stripe'], {home})).code).toBe(0)
    const show = ProviderSchema.parse((await runCli(['providers', 'show', 'acme-stripe', '--json'], {home})).json())
    expect(show).toMatchObject({
      enabled: false,
      maxRetries: 4,
      retrySchedule: '5m,30m,2h',
      grants: [{segment: 'retail', site: 'berlin', access: 'write'}],
    })
    expect(
      (await runCli(['providers', 'revoke', 'acme-stripe', '--segment', 'retail', '--site', 'berlin'], {home})).code,
    ).toBe(0)
    const audit = (await runCli(['audit', 'list', '--provider', 'acme-stripe', '--json'], {home})).json<{
      rows: Array<{action: string; actor: string}>
    }>()
    expect(audit.rows.map((r) => r.action)).toEqual([
      'provider.add',
      'provider.grant',
      'provider.update',
      'provider.disable',
      'provider.revoke',
    ])
    expect(audit.rows.every((r) => r.actor === 'root' || r.actor.length > 0)).toBe(true)
  })

  it('--actor and YMS_PAY_ACTOR name who acted in the audit log', async () => {
    await runCli(['fx', 'set', 'EUR', 'USD', '1.0823', '--date', '2026-11-20', '--actor', 'alice'], {home})
    await runCli(['fx', 'set', 'EUR', 'JPY', '163.25', '--date', '2026-11-20'], {
      home,
      env: {YMS_PAY_ACTOR: 'cron-nightly'},
    })
    const rows = (await runCli(['audit', 'list', '--action', 'fx.set', '--json'], {home})).json<{
      rows: Array<{actor: string}>
    }>().rows
    expect(rows.map((r) => r.actor).sort()).toEqual(['alice', 'cron-nightly'])
    const conv = await runCli(['fx', 'convert', '100.00', 'USD', 'JPY', '--date', '2026-11-25', '--json'], {home})
    // 100 USD -> EUR at 1/1.0823 -> JPY at 163.25: 15083.61... -> 15084 JPY (banker's rounding at 0 decimals)
    expect(conv.json()).toMatchObject({
      to: {minor: 15084, currency: 'JPY'},
      path: ['USD', 'EUR', 'JPY'],
      rateDate: '2026-11-20',
    })
  })

  it('audit verify passes, export streams every row, and nothing secret reaches the database or exports', async () => {
    const verify = await runCli(['audit', 'verify', '--json'], {home})
    expect(verify.code).toBe(0)
    const jsonl = await runCli(['audit', 'export', '--format', 'jsonl'], {home})
    const lines = jsonl.stdout.trim().split('\n')
    expect(lines.length).toBe((verify.json() as {rows: number}).rows)
    const csv = await runCli(['audit', 'export', '--format', 'csv'], {home})
    expect(csv.stdout.split('\n')[0]).toMatch(/^seq,at,actor,action/)
    for (const [where, text] of await storedText(home))
      expect(text.includes('sk_test_envonly'), `${where} holds a secret`).toBe(false)
    expect(jsonl.stdout + csv.stdout).not.toContain('sk_test_envonly')
  })
})
