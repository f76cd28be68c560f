import {hostname} from 'node:os'

import {afterAll, beforeAll, describe, expect, it} from 'vitest'
import {z} from 'zod'

import {RETRY_STATUSES} from '../../src/core/retry/policy.js'
import {RECOVERY_RATE_DEFINITION} from '../../src/core/retry/recovery-rate.js'
import {generateScenario} from '../../src/sandbox/generate.js'
import {homeQuery, homeRun} from '../helpers/home-ledger.js'
import {createSyncWorld, type SyncWorld} from '../helpers/sync-world.js'
import {run, writeInput} from './helpers.js'
import {ErrorJson, ImportResult, Iso, Money} from './shapes.js'

/**
 * The retry commands through oclif, as cron and scripts run them: their --json shapes (strict: a renamed or extra
 * field fails), exit codes, and what each did, against the Stripe emulator of a world whose last days hold failed
 * payments (a sync queues the soft declines; the stored cards they are retried on succeed).
 */
const Rate = z.number().min(0).max(1).nullable()
const Turn = z.strictObject({
  retry: z.number().int(),
  payment: z.string(),
  action: z.enum([
    'sent',
    'waited',
    'resolved',
    'unresolved',
    'superseded',
    'exhausted',
    'error',
    'would_send',
    'would_resolve',
    'would_wait',
  ]),
  provider: z.string().nullable(),
  route: z.enum(['primary', 'fallback']).nullable(),
  attempt: z.number().int().nullable(),
  outcome: z.string().nullable(),
  note: z.string(),
  status: z.enum(RETRY_STATUSES).nullable(),
})
const RunResult = z.strictObject({
  status: z.enum(['ok', 'skipped_locked', 'stopped']),
  dryRun: z.boolean(),
  due: z.number().int(),
  sent: z.number().int(),
  recovered: z.number().int(),
  unresolved: z.number().int(),
  exhausted: z.number().int(),
  errors: z.number().int(),
  lockedBy: z.string().optional(),
  turns: z.array(Turn),
})
const Request = z.strictObject({
  attempt: z.number().int(),
  provider: z.string(),
  route: z.enum(['primary', 'fallback']),
  reason: z.string(),
  status: z.enum(['sending', 'unknown', 'pending', 'succeeded', 'failed', 'not_sent']),
  externalId: z.string().nullable(),
  failureCode: z.string().nullable(),
  detail: z.string().nullable(),
  startedAt: Iso,
  finishedAt: Iso.nullable(),
})
const Retry = z.strictObject({
  id: z.number().int(),
  payment: z.string(),
  provider: z.string(),
  customer: z.string(),
  site: z.string(),
  invoice: z.string().nullable(),
  amount: Money,
  failureCode: z.string(),
  status: z.enum(RETRY_STATUSES),
  attempts: z.number().int(),
  nextAt: Iso.nullable(),
  note: z.string(),
  recovered: z
    .strictObject({payment: z.string(), via: z.enum(['primary', 'fallback']), attempt: z.number().int()})
    .nullable(),
  failedAt: z.string(),
  queuedAt: Iso,
  finishedAt: Iso.nullable(),
  requests: z.array(Request),
})
const RetryList = z.strictObject({
  retries: z.array(Retry),
  truncated: z.boolean(),
  limit: z.number().int(),
  hint: z.string().optional(),
})
const RouteShare = z.strictObject({recovered: z.number().int(), successRate: Rate, recoveredAmount: z.array(Money)})
const Report = z.strictObject({
  since: Iso,
  until: Iso,
  site: z.string().nullable(),
  provider: z.string().nullable(),
  definition: z.string(),
  attempted: z.number().int(),
  recovered: z.number().int(),
  exhausted: z.number().int(),
  stopped: z.number().int(),
  canceled: z.number().int(),
  superseded: z.number().int(),
  pending: z.number().int(),
  eligible: z.number().int(),
  successRate: Rate,
  recoveredAmount: z.array(Money),
  byAmount: z.array(z.strictObject({currency: z.string(), eligible: Money, recovered: Money, rate: Rate})),
  byRoute: z.strictObject({sameProcessor: RouteShare, fallback: RouteShare}),
  byProvider: z.array(
    z.strictObject({
      provider: z.string(),
      attempted: z.number().int(),
      eligible: z.number().int(),
      recovered: z.number().int(),
      pending: z.number().int(),
      successRate: Rate,
      recoveredAmount: z.array(Money),
    }),
  ),
  byReason: z.array(
    z.strictObject({reason: z.string(), eligible: z.number().int(), recovered: z.number().int(), successRate: Rate}),
  ),
  byAttempt: z.array(
    z.strictObject({
      attempt: z.number().int(),
      attempts: z.number().int(),
      recovered: z.number().int(),
      successRate: Rate,
    }),
  ),
})

let world: SyncWorld
const cli = async (args: string[]) => run([...args, '--json'], {home: world.home, env: world.env})

beforeAll(async () => {
  const now = Date.now()
  const scenario = generateScenario({
    seed: 8,
    customers: 20,
    transactions: 120,
    start: new Date(now - 5 * 86_400_000).toISOString(),
    end: new Date(now - 2 * 3_600_000).toISOString(),
    gateways: ['stripe'],
  })
  world = await createSyncWorld({scenario, clock: {now: () => Date.now()}})
  const synced = await cli(['sync'])
  expect(synced.exitCode, synced.stderr).toBe(0)
}, 60_000)
afterAll(() => world?.close())

describe('retry commands', () => {
  it('retry methods import: the stored methods per provider, rows naming unknown customers or providers refused', async () => {
    const rows = world.scenario.customers.map((c) => `${c.id},acme-stripe,${c.paymentMethods.stripe}`)
    const file = writeInput(
      world.home,
      'methods.csv',
      ['customer,provider,payment_method', ...rows, 'nobody,acme-stripe,pm_x', 'c000001,nowhere,pm_y', ''].join('\n'),
    )
    const r = await cli(['retry', 'methods', 'import', file])
    expect(r.exitCode).toBe(4)
    const result = ImportResult.parse(r.json())
    expect(result).toMatchObject({inserted: rows.length, updated: 0, unchanged: 0})
    expect(result.rejected.map((x) => x.error)).toEqual([
      expect.stringContaining('unknown customer'),
      expect.stringContaining('not a provider id or gateway kind'),
    ])
    expect(ImportResult.parse((await cli(['retry', 'methods', 'import', file])).json())).toMatchObject({
      inserted: 0,
      unchanged: rows.length,
    })
  })

  it('retry list: the soft declines the sync queued, open by default', async () => {
    const list = RetryList.parse((await cli(['retry', 'list'])).json())
    const queued = world.scenario.payments.filter(
      (p) => p.outcome === 'failed' && ['insufficient_funds', 'generic', 'issuer_unavailable'].includes(p.decline!),
    )
    expect(list.retries).toHaveLength(queued.length)
    expect(list.retries.length).toBeGreaterThan(1)
    expect(list.retries.every((x) => x.status === 'queued' && x.requests.length === 0)).toBe(true)
  })

  it('retry cancel: audited; cancelling it again is a usage error', async () => {
    const [first] = RetryList.parse((await cli(['retry', 'list'])).json()).retries
    const r = await cli(['retry', 'cancel', String(first!.id)])
    expect(r.exitCode).toBe(0)
    expect(Retry.parse(r.json())).toMatchObject({
      id: first!.id,
      status: 'canceled',
      note: expect.stringContaining('canceled by'),
    })
    const again = await cli(['retry', 'cancel', String(first!.id)])
    expect(again.exitCode).toBe(2)
    expect(ErrorJson.parse(again.json()).error.message).toMatch(/already ended \(canceled\)/)
    const [canceled] = await homeQuery<{n: number}>(
      world.home,
      `SELECT COUNT(*) AS n FROM audit_log WHERE action = 'retry.cancel'`,
    )
    expect(canceled!.n).toBe(1)
  })

  it('retry run --dry-run says where each would go and sends nothing', async () => {
    const before = world.stripe.requests()
    const r = RunResult.parse((await cli(['retry', 'run', '--dry-run'])).json())
    expect(r.dryRun).toBe(true)
    expect(r.turns.length).toBeGreaterThan(0)
    expect(r.turns.every((t) => t.action === 'would_send' && t.route === 'primary')).toBe(true)
    expect(world.stripe.requests()).toBe(before)
  })

  it('retry run: another run holding the lease exits 75; then the due retries recover', async () => {
    await homeRun(world.home, `INSERT INTO leases VALUES ('retry:run', ?, ?, ?)`, [
      `retry@${hostname()}#${process.pid}#x#held`,
      new Date().toISOString(),
      new Date(Date.now() + 60_000).toISOString(),
    ])
    const locked = await cli(['retry', 'run'])
    expect(locked.exitCode).toBe(75)
    expect(RunResult.parse(locked.json())).toMatchObject({
      status: 'skipped_locked',
      lockedBy: expect.stringContaining('#held'),
    })
    await homeRun(world.home, `DELETE FROM leases WHERE name = 'retry:run'`)
    const r = await cli(['retry', 'run'])
    expect(r.exitCode, r.stderr).toBe(0)
    const result = RunResult.parse(r.json())
    expect(result.recovered).toBeGreaterThan(0)
    expect(result.recovered).toBe(result.turns.filter((t) => t.status === 'recovered').length)
    const recovered = RetryList.parse((await cli(['retry', 'list', '--status', 'recovered'])).json()).retries
    expect(recovered).toHaveLength(result.recovered)
    for (const x of recovered) expect(x.requests.at(-1)).toMatchObject({status: 'succeeded', route: 'primary'})
  })

  it('retry report: the figures and the definition of the rate', async () => {
    const r = Report.parse((await cli(['retry', 'report', '--since', '1d'])).json())
    const finished = RetryList.parse((await cli(['retry', 'list', '--status', 'all'])).json()).retries.filter(
      (x) => x.status !== 'queued' && x.status !== 'resolving',
    )
    expect(r.definition).toBe(RECOVERY_RATE_DEFINITION)
    expect(r.recovered).toBe(finished.filter((x) => x.status === 'recovered').length)
    expect(r.canceled).toBe(1)
    expect(r.eligible).toBe(finished.filter((x) => ['recovered', 'exhausted', 'stopped'].includes(x.status)).length)
    expect(r.successRate).toBe(Math.round((r.recovered / r.eligible) * 10_000) / 10_000)
    const bad = await cli(['retry', 'report', '--since', 'yesterday-ish'])
    expect(bad.exitCode).toBe(2)
  })
})
