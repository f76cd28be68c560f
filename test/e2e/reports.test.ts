import {mkdirSync, rmSync} from 'node:fs'
import {join} from 'node:path'

import {afterAll, beforeAll, describe, expect, it} from 'vitest'
import {z} from 'zod'

import {createStripeEmulator} from '../../src/sandbox/stripe/emulator.js'
import {serveEmulator, type RunningServer} from '../../src/sandbox/emulator.js'
import {exportScenario} from '../../src/sandbox/export.js'
import {generateScenario} from '../../src/sandbox/generate.js'
import {runCli, tempHome} from '../helpers/cli.js'

// The --json contract of the read-side commands (README, Commands). Strict objects: a renamed or dropped field fails here.
const MoneySchema = z.strictObject({minor: z.number().int(), currency: z.string().regex(/^[A-Z]{3}$/)})
const Iso = z.string().regex(/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d{1,3})?Z$/)
/** Beside a list's rows: whether --limit cut it, and (only then) how to get the rest. */
const PageSchema = {truncated: z.boolean(), limit: z.number().int().positive(), hint: z.string().optional()}
const TxnSummarySchema = z.strictObject({
  id: z.string(),
  provider: z.string(),
  type: z.string(),
  status: z.string(),
  amount: MoneySchema,
  customer: z.string().nullable(),
  site: z.string().nullable(),
  occurredAt: Iso,
  updatedAt: Iso,
})
const AuditSchema = z.strictObject({
  seq: z.number().int(),
  at: Iso,
  actor: z.string(),
  action: z.string(),
  provider: z.string().nullable(),
  subject: z.string().nullable(),
  outcome: z.string(),
  details: z.unknown(),
  prevHash: z.string(),
  hash: z.string(),
})
const ShowSchema = z.strictObject({
  transaction: z.looseObject({id: z.string(), amount: MoneySchema}),
  raw: z.unknown(),
  postings: z.array(
    z.strictObject({version: z.number().int(), account: z.string(), amount: MoneySchema, postedAt: Iso}),
  ),
  states: z.array(
    z.strictObject({
      version: z.number().int(),
      status: z.string(),
      amount: MoneySchema,
      gatewayUpdatedAt: Iso,
      source: z.string(),
      recordedAt: Iso,
    }),
  ),
  audit: z.array(AuditSchema),
})
const QuarantineItemSchema = z.strictObject({
  id: z.number().int(),
  provider: z.string(),
  externalId: z.string().nullable(),
  reason: z.enum(['access_denied', 'unknown_customer', 'invalid_payload', 'unsupported_currency', 'awaiting_parent']),
  detail: z.string(),
  status: z.enum(['open', 'replayed', 'resolved']),
  seenCount: z.number().int().positive(),
  source: z.string(),
  createdAt: Iso,
  updatedAt: Iso,
  raw: z.unknown().optional(),
})
const ReplaySchema = z.strictObject({
  considered: z.number().int(),
  applied: z.number().int(),
  stillQuarantined: z.number().int(),
  notReplayable: z.number().int(),
})
const nullableInt = z.number().int().nullable()
const MetricsSchema = z.strictObject({
  window: z.string(),
  from: Iso,
  to: Iso,
  retryDefinition: z.string().min(1),
  providers: z.array(
    z.strictObject({
      provider: z.string(),
      syncLatencyMs: z.strictObject({p50: nullableInt, p95: nullableInt, p99: nullableInt, count: z.number().int()}),
      syncLatencyBySource: z.strictObject({
        pull: z.strictObject({p50: nullableInt, p95: nullableInt, p99: nullableInt, count: z.number().int()}),
        webhook: z.strictObject({p50: nullableInt, p95: nullableInt, p99: nullableInt, count: z.number().int()}),
      }),
      webhookToLedgerMs: z.strictObject({
        p50: nullableInt,
        p95: nullableInt,
        p99: nullableInt,
        count: z.number().int(),
      }),
      uptimePct: z.number().min(0).max(100).nullable(),
      calls: z.number().int(),
      errors: z.number().int(),
      retry: z.strictObject({
        attempted: z.number().int(),
        recovered: z.number().int(),
        eligible: z.number().int(),
        pending: z.number().int(),
        successRate: z.number().min(0).max(1).nullable(),
      }),
    }),
  ),
})
const StatusSchema = z.strictObject({
  at: Iso,
  providers: z.array(
    z.strictObject({
      id: z.string(),
      kind: z.string(),
      enabled: z.boolean(),
      health: z.enum(['ok', 'degraded', 'failing', 'down', 'unknown', 'disabled']),
      uptimePctLastHour: z.number().nullable(),
      lagMs: z.number().int().nonnegative().nullable(),
      lastSync: z.strictObject({status: z.string(), startedAt: Iso, finishedAt: Iso.nullable()}).nullable(),
      lastError: z.strictObject({at: Iso, message: z.string()}).nullable(),
      failures24h: z.number().int(),
      quarantined: z.number().int(),
      pendingRetries: z.number().int(),
    }),
  ),
  sites: z.array(
    z.strictObject({
      id: z.string(),
      name: z.string(),
      currency: z.string(),
      balances: z.array(
        z.strictObject({
          minor: z.number().int(),
          currency: z.string(),
          inBase: MoneySchema.nullable(),
          rate: z.string().nullable(),
          rateDate: z.string().nullable(),
        }),
      ),
      totalInBase: MoneySchema.nullable(),
      missingRates: z.array(z.string()),
    }),
  ),
  quarantine: z.strictObject({open: z.number().int(), byReason: z.record(z.string(), z.number().int())}),
  exceptions: z.strictObject({
    open: z.number().int(),
    bySite: z.array(z.strictObject({site: z.string(), run: z.number().int(), open: z.number().int()})),
  }),
  alerts: z.strictObject({
    targets: z.number().int(),
    disabled: z.array(z.string()),
    pending: z.number().int(),
    oldestPendingAt: z.string().nullable(),
    failed: z.number().int(),
  }),
  unmappedDeclines: z.strictObject({codes: z.number().int().nonnegative(), payments: z.number().int().nonnegative()}),
})
const ErrorSchema = z.strictObject({
  error: z.strictObject({
    code: z.string(),
    message: z.string(),
    hint: z.string().optional(),
    exitCode: z.number().int(),
  }),
})

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
    const list = z
      .strictObject({transactions: z.array(TxnSummarySchema), ...PageSchema})
      .parse((await runCli(['transactions', 'list', '--limit', '5', '--json'], {home})).json()).transactions
    expect(list).toHaveLength(5)
    const show = await runCli(['transactions', 'show', list[0]!.id, '--json'], {home})
    expect(show.code, show.stderr).toBe(0)
    const d = ShowSchema.parse(show.json())
    expect(d.transaction.id).toBe(list[0]!.id)
    expect(d.states.length).toBeGreaterThan(0)
    const table = await runCli(['transactions', 'list', '--limit', '3'], {home})
    expect(table.stdout).toMatch(/\d+(\.\d+)? [A-Z]{3}/) // formatMoney, never raw minor units alone
    const missing = await runCli(['transactions', 'show', 'acme:nope', '--json'], {home})
    expect(missing.code).toBe(2)
    expect(ErrorSchema.parse(missing.json()).error.hint).toMatch(/transactions list/)
  })

  it('quarantine list (with and without raw) and replay: usage error without --id/--all, ReplayResult after a grant', async () => {
    const items = z
      .strictObject({items: z.array(QuarantineItemSchema), ...PageSchema})
      .parse((await runCli(['quarantine', 'list', '--limit', '1000', '--json'], {home})).json()).items
    expect(items.length).toBeGreaterThan(0)
    expect(items.every((q) => q.status === 'open' && q.raw === undefined)).toBe(true)
    const withRaw = z
      .strictObject({items: z.array(QuarantineItemSchema), ...PageSchema})
      .parse((await runCli(['quarantine', 'list', '--raw', '--limit', '1', '--json'], {home})).json()).items
    expect(withRaw[0]!.raw).toBeDefined()
    const bare = await runCli(['quarantine', 'replay'], {home})
    expect(bare.code).toBe(2)
    expect(bare.stderr).toMatch(/--id N.*--all/)
    expect((await runCli(['providers', 'grant', 'acme', '--segment', 'vip'], {home})).code).toBe(0)
    const replay = ReplaySchema.parse((await runCli(['quarantine', 'replay', '--all', '--json'], {home})).json())
    expect(replay.considered).toBe(items.length)
    // The denied payments apply, and any refund or dispute that waited for one of them with it.
    expect(replay.applied).toBe(items.filter((q) => ['access_denied', 'awaiting_parent'].includes(q.reason)).length)
  })

  it('metrics: the same JSON from --json and --format json; Prometheus text with the documented families', async () => {
    const json = MetricsSchema.parse((await runCli(['metrics', '--json'], {home})).json())
    expect(json.providers.map((p) => p.provider)).toEqual(['acme'])
    expect(json.providers[0]!.calls).toBeGreaterThan(0)
    const format = MetricsSchema.parse(JSON.parse((await runCli(['metrics', '--format', 'json'], {home})).stdout))
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
    const s = StatusSchema.parse(r.json())
    expect(s.providers).toEqual([
      expect.objectContaining({id: 'acme', kind: 'stripe', health: 'ok', failures24h: 0, lastError: null}),
    ])
    expect(s.sites.map((x) => x.id).sort()).toEqual([...new Set(scenario.customers.map((c) => c.site))].sort())
    expect(s.quarantine.byReason.access_denied ?? 0).toBe(0)
    const table = await runCli(['status'], {home})
    expect(table.stdout).toMatch(/acme/)
  })
})
