import {existsSync, readdirSync, readFileSync, rmSync, statSync} from 'node:fs'
import {join} from 'node:path'

import {afterAll, describe, expect, it} from 'vitest'
import {z} from 'zod'

import {GATEWAY_KINDS} from '../../src/gateways/registry.js'
import {run, tempHome} from './helpers.js'
import {ErrorJson, Status, SyncResult} from './shapes.js'

const nullableInt = z.number().int().nullable()
const Latency = z.strictObject({p50: nullableInt, p95: nullableInt, p99: nullableInt, count: z.number().int()})
const DemoJson = z.strictObject({
  home: z.string(),
  kept: z.boolean(),
  gateways: z.array(z.strictObject({kind: z.string(), provider: z.string(), baseUrl: z.string()})),
  imported: z.strictObject({sites: z.number().int(), customers: z.number().int(), invoices: z.number().int()}),
  missingGrant: z.strictObject({provider: z.string(), segment: z.string()}),
  sync: SyncResult,
  reconcile: z.array(
    z.strictObject({
      site: z.string(),
      runId: z.number().int(),
      counts: z.record(z.string(), z.number().int()),
      open: z.number().int(),
      identityHolds: z.boolean(),
    }),
  ),
  alerts: z.strictObject({
    received: z.number().int(),
    verified: z.number().int(),
    byEvent: z.record(z.string(), z.number().int()),
    samples: z.array(z.string()),
  }),
  retries: z.strictObject({
    fallback: z.strictObject({provider: z.string(), to: z.string()}).nullable(),
    waited: z.string().nullable(),
    passes: z.array(z.object({status: z.string(), sent: z.number().int(), recovered: z.number().int()})),
    report: z.object({recovered: z.number().int(), eligible: z.number().int(), definition: z.string()}),
  }),
  live: z.strictObject({
    seconds: z.number().int(),
    runs: z.number().int(),
    webhooks: z.strictObject({
      url: z.string(),
      accepted: z.number().int(),
      duplicates: z.number().int(),
      refused: z.record(z.string(), z.number().int()),
    }),
  }),
  latency: z.array(
    z.strictObject({
      provider: z.string(),
      pull: Latency,
      webhook: Latency,
      webhookToLedgerMs: Latency,
      uptimePct: z.number().nullable(),
    }),
  ),
  clockMovedMs: z.number().int().nonnegative(),
  status: Status,
})

// A small world keeps each run near a second; the flags are what make it small. Seed 2 gives this world vip
// customers paying through Stripe, so the withheld grant has something to hold back.
const SMALL = ['--customers', '10', '--transactions', '40', '--seed', '2', '--live', '0']

describe('demo', () => {
  const {home, cleanup} = tempHome()
  const kept: string[] = []
  let thrownAway: z.infer<typeof DemoJson> | undefined
  afterAll(() => {
    for (const dir of kept) rmSync(dir, {recursive: true, force: true})
    cleanup()
  })

  it('runs the whole loop on a throw-away home: every gateway synced, the withheld segment quarantined', async () => {
    const r = await run(['demo', ...SMALL, '--json'], {home})
    expect(r.exitCode, r.stdout).toBe(0)
    const demo = DemoJson.parse(r.json())
    thrownAway = demo
    expect(existsSync(demo.home)).toBe(false)
    expect(demo.imported.customers).toBe(10)
    expect(demo.gateways.map((g) => g.kind).sort()).toEqual([...GATEWAY_KINDS].sort())
    expect(demo.sync.runs.every((x) => x.status === 'ok')).toBe(true)
    expect(demo.status.providers.map((p) => p.id).sort()).toEqual(demo.gateways.map((g) => g.provider).sort())
    const withheld = demo.status.providers.find((p) => p.id === demo.missingGrant.provider)!
    expect(withheld.quarantined).toBeGreaterThan(0)
    expect(demo.status.quarantine).toEqual({
      open: withheld.quarantined,
      byReason: {access_denied: withheld.quarantined},
    })
    // every site reconciled; the withheld segment's payments are gateway reports the ledger lacks
    expect(demo.reconcile.map((x) => x.site).sort()).toEqual(demo.status.sites.map((x) => x.id).sort())
    expect(demo.reconcile.every((x) => x.identityHolds)).toBe(true)
    expect(demo.reconcile.reduce((n, x) => n + (x.counts.matched ?? 0), 0)).toBeGreaterThan(0)
    expect(demo.status.exceptions.open).toBe(demo.reconcile.reduce((n, x) => n + x.open, 0))
    // The admin's receiver got the sync's alerts, every one signed: one access_denied per object held back.
    expect(demo.alerts.received).toBeGreaterThan(0)
    expect(demo.alerts.verified).toBe(demo.alerts.received)
    expect(demo.alerts.byEvent.access_denied).toBe(withheld.quarantined)
    expect(demo.alerts.byEvent.balance_changed).toBeGreaterThan(0)
    expect(demo.status.alerts).toMatchObject({targets: 1, pending: 0, failed: 0})
  })

  it("a live phase: new payments by webhook into the demo's webhooks serve, latency by source and uptime per gateway", async () => {
    const r = await run(['demo', '--customers', '20', '--transactions', '40', '--seed', '2', '--live', '6', '--json'], {
      home,
    })
    expect(r.exitCode, r.stdout).toBe(0)
    const demo = DemoJson.parse(r.json())
    expect(demo.live.seconds).toBe(6)
    expect(demo.live.runs).toBeGreaterThanOrEqual(GATEWAY_KINDS.length)
    expect(demo.live.webhooks.accepted).toBeGreaterThan(0)
    expect(demo.live.webhooks.refused).toEqual({})
    expect(demo.latency.map((l) => l.provider).sort()).toEqual(demo.gateways.map((g) => g.provider).sort())
    expect(demo.latency.reduce((n, l) => n + l.webhook.count, 0)).toBeGreaterThan(0)
    expect(demo.latency.reduce((n, l) => n + l.webhookToLedgerMs.count, 0)).toBe(demo.live.webhooks.accepted)
    for (const l of demo.latency) expect(l.uptimePct, l.provider).toBe(100)
  }, 60_000)

  it("on a terminal: each section under its own heading; the status says it was read on the demo's moved clock", async () => {
    const r = await run(['demo', ...SMALL], {home})
    expect(r.exitCode, r.stderr).toBe(0)
    const at = (text: string) => r.stdout.indexOf(text)
    // the retry report's line once sat between the status heading and the status table
    expect(at('yms-pay reconcile')).toBeLessThan(at('yms-pay retry report'))
    expect(at('yms-pay retry report')).toBeLessThan(at('yms-pay status'))
    expect(at('yms-pay status')).toBeLessThan(at('last sync'))
    const moved = Math.round(thrownAway!.clockMovedMs / 3_600_000)
    expect(moved).toBeGreaterThan(0)
    expect(r.stdout).toContain(`moved on ${moved} h for the later retries, so the sync was ${moved} h ago`)
  })

  it('without --keep the result says kept: false', () => {
    expect(thrownAway).toHaveProperty('kept', false)
  })

  it('--keep leaves the home, which --home then reads; the same --seed yields the same world', async () => {
    const r = await run(['demo', ...SMALL, '--keep', '--json'], {home})
    expect(r.exitCode).toBe(0)
    const demo = DemoJson.parse(r.json())
    kept.push(demo.home)
    expect(demo.kept).toBe(true)
    expect(existsSync(demo.home)).toBe(true)

    // --home beats YMS_PAY_HOME (which the helper points at the test's own, empty home).
    const status = await run(['status', '--home', demo.home, '--json'], {home})
    expect(
      Status.parse(status.json())
        .providers.map((p) => p.id)
        .sort(),
    ).toEqual(demo.gateways.map((g) => g.provider).sort())

    const first = thrownAway!
    const counts = (d: z.infer<typeof DemoJson>) =>
      d.sync.runs.map((x) => `${x.provider} ${x.inserted} ${x.quarantined}`).sort()
    expect(counts(first)).toEqual(counts(demo))
    expect(first.imported).toEqual(demo.imported)
  })

  it('--home runs the demo in that directory (made owner-only) and keeps it', async () => {
    const dir = join(home, 'demo-here')
    const r = await run(['demo', ...SMALL, '--home', dir, '--json'], {home})
    expect(r.exitCode, r.stdout).toBe(0)
    const demo = DemoJson.parse(r.json())
    expect(demo).toMatchObject({home: dir, kept: true})
    expect(statSync(dir).mode & 0o777).toBe(0o700)
    const status = await run(['status', '--home', dir, '--json'], {home})
    expect(status.exitCode).toBe(0)
    expect(Status.parse(status.json()).providers).toHaveLength(GATEWAY_KINDS.length)
  })

  it('--home naming a directory that holds a ledger is refused (exit 2), the ledger untouched', async () => {
    const dir = join(home, 'has-ledger')
    expect(
      (await run(['sites', 'add', 'mine', '--name', 'Mine', '--currency', 'EUR', '--home', dir], {home})).exitCode,
    ).toBe(0)
    const before = readFileSync(join(dir, 'ledger.db'))
    const r = await run(['demo', ...SMALL, '--home', dir, '--json'], {home})
    expect(r.exitCode).toBe(2)
    expect(ErrorJson.parse(r.json()).error.message).toBe(
      `demo --home: ${dir} (from --home) already holds a ledger, and the demo never touches an existing one`,
    )
    expect(readFileSync(join(dir, 'ledger.db')).equals(before)).toBe(true)
    expect(readdirSync(dir).sort()).toEqual(['ledger.db'])
  })

  it.each([
    [['demo', '--customers', '0'], /--customers/],
    [['demo', '--transactions', 'lots'], /--transactions/],
    [['demo', '--seed', '1.5'], /--seed/],
  ])('%j exits 2', async (args, message) => {
    const r = await run([...args, '--json'], {home})
    expect(r.exitCode).toBe(2)
    expect(ErrorJson.parse(r.json()).error.message).toMatch(message)
  })
})
