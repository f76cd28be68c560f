import {mkdtemp, rm} from 'node:fs/promises'
import {tmpdir} from 'node:os'
import {join} from 'node:path'

import type {AppContext} from '../app/context.js'
import {describeHome, resolveHome, type HomeDirs} from '../app/home.js'
import {refuseNonDirectory} from '../app/open-home.js'
import {UsageError} from '../core/errors.js'
import {gatewayFacts, type GatewayKind} from '../gateways/registry.js'
import {envVarName} from '../secrets/index.js'
import {openDatabase, type Db} from '../store/db.js'
import {sqliteHandle} from '../store/ops/ledger-handle.js'
import {ensurePrivateDir} from '../store/private-files.js'
import {existingSideFiles, sizeOf} from '../store/side-files.js'
import {SEGMENTS} from '../sandbox/generate.js'
import {webhookUrlFor} from '../sandbox/serve.js'
import {importCustomers} from './customers.js'
import {importInvoices} from './invoices.js'
import {addProvider} from './providers.js'
import {demoRetries, type DemoRetries} from './retry/demo.js'
import {getMetrics, type LatencySummary} from './metrics.js'
import {startSandbox} from './sandbox.js'
import {type DemoAlerts, startDemoAlerts} from './alerts/demo-alerts.js'
import {listRetryCodes} from './retry-rules/codes.js'
import {importSites} from './sites.js'
import {runSync, type SyncResult} from './sync/sync.js'
import {runReconcile} from './reconcile/run.js'
import type {ReconcileResult} from './reconcile/result.js'
import {listSites} from '../store/repos/sites.js'
import {watchSync} from './sync/watch.js'
import {startWebhookServer, type WebhookServerStats} from './webhooks/serve.js'

export interface DemoResult {
  home: string
  kept: boolean
  gateways: Array<{kind: GatewayKind; provider: string; baseUrl: string}>
  imported: {sites: number; customers: number; invoices: number}
  /** The grant left out on purpose, so the quarantine has something to show. */
  missingGrant: {provider: string; segment: string}
  sync: SyncResult
  /** Every site reconciled after the sync (the run's summary; `reconcile show <runId>` has the exceptions). */
  reconcile: DemoReconcile[]
  /** What an admin's alert receiver on loopback got from the sync: signed Standard Webhooks, verified there. */
  alerts: DemoAlerts
  /** Failed payments retried after the sync: some recover at a later attempt, one through a fallback. */
  retries: DemoRetries
  /** The live phase: new payments arriving, by webhook into the demo's `webhooks serve` and by the watch loop's pulls. */
  live: {seconds: number; runs: number; webhooks: WebhookServerStats & {url: string}}
  /** Per provider after the live phase: sync latency by source, webhook to ledger, and the gateway's uptime. */
  latency: Array<{
    provider: string
    pull: LatencySummary
    webhook: LatencySummary
    webhookToLedgerMs: LatencySummary
    uptimePct: number | null
  }>
  /** How far the demo moved its clock on for the later retries: the closing status is read at that time. */
  clockMovedMs: number
}

export interface DemoReconcile {
  site: string
  runId: number
  counts: ReconcileResult['counts']
  open: number
  identityHolds: boolean
}

/** New payments a minute in the live phase: enough for every gateway to see some in a few seconds. */
const LIVE_PER_MINUTE = 240
const LIVE_INTERVAL_MS = 5_000

/**
 * The whole loop on a throw-away home: a seeded sandbox world served by every gateway emulator, its YMS side
 * imported, one provider per gateway with grants (one segment deliberately not granted), then a sync; with a live
 * phase, the world keeps moving for a few seconds, its webhooks delivered to a `webhooks serve` the demo runs while
 * the watch loop pulls (sync latency by source and each gateway's uptime are read then); then the retries of the
 * failed payments queued so far (retry/demo.ts, on a clock it moves on by days, hence after the live phase), a
 * reconciliation of every site, and the alerts. Secrets go
 * through YMS_PAY_SECRET_* variables, so the demo needs no keychain. With --home the demo runs in that directory
 * instead and keeps it, provided it holds no ledger: the demo never touches an existing one. YMS_PAY_HOME alone
 * does not count: it is set for everyday work, and the demo's providers do not belong in that home.
 */
export async function runDemo<T>(
  ctx: AppContext,
  opts: {
    keep?: boolean
    seed: number
    customers: number
    transactions: number
    /** Seconds of live phase after the first sync (0: none). */
    liveSeconds?: number
    onStep?: (m: string) => void
  },
  /** Runs on the demo's database before it is thrown away (the status screen). */
  finish: (db: Db, demoCtx: AppContext) => Promise<T> | T,
): Promise<DemoResult & {finish: T}> {
  const step = opts.onStep ?? (() => undefined)
  const given = ctx.home.source === 'flag'
  const home = given ? claimHome(ctx.home) : await mkdtemp(join(tmpdir(), 'yms-pay-demo-'))
  const keep = given || opts.keep === true
  const env: NodeJS.ProcessEnv = {...ctx.env}
  // One clock for the sandbox, the ledger and the retry engine, which the demo moves on to show a later retry.
  let shift = 0
  const now = () => ctx.now() + shift
  const demoCtx: AppContext = {
    ...ctx,
    env,
    now,
    home: resolveHome({flag: home, env, xdgDataDir: home, xdgConfigDir: home}),
  }
  step(`demo home ${home}`)
  const liveSeconds = opts.liveSeconds ?? 0
  const db = openDatabase(demoCtx.home.dbFile, {clock: now})
  // The gateways deliver to the demo's own webhook server, one URL per provider (demo-<kind>).
  const webhooks = await startWebhookServer(sqliteHandle(db), demoCtx, {port: 0}).catch((error: unknown) => {
    db.close()
    throw error
  })
  const webhooksTo = `${webhooks.url}/webhooks/demo-{kind}`
  const sandbox = await startSandbox({
    seed: opts.seed,
    customers: opts.customers,
    transactions: opts.transactions,
    days: 60,
    now: ctx.now(),
    clock: {now},
    exportDir: join(home, 'world'),
    webhooksTo,
    live: liveSeconds > 0 ? {perMinute: LIVE_PER_MINUTE, forMs: liveSeconds * 1000 + 60_000} : undefined,
    holdWebhooks: true,
  }).catch(async (error: unknown) => {
    await webhooks.close()
    db.close()
    throw error
  })
  let alerts: Awaited<ReturnType<typeof startDemoAlerts>> | undefined
  try {
    step(`sandbox: ${sandbox.running.gateways.map((g) => `${g.kind} ${g.baseUrl}`).join(', ')}`)
    const files = sandbox.exported!.files
    const sites = await importSites(sqliteHandle(db), demoCtx, files.sites)
    const customers = await importCustomers(sqliteHandle(db), demoCtx, files.customers)
    const invoices = await importInvoices(sqliteHandle(db), demoCtx, files.invoices)
    step(`imported ${sites.inserted} sites, ${customers.inserted} customers, ${invoices.inserted} invoices`)
    const gateways: DemoResult['gateways'] = []
    const withheld = SEGMENTS[SEGMENTS.length - 1]!
    const first = sandbox.running.gateways[0]!
    for (const g of sandbox.running.gateways) {
      const provider = `demo-${g.kind}`
      for (const [field, value] of Object.entries(g.secrets)) env[envVarName(provider, field)] = value
      // Every provider may write every segment, except the first one, which is not granted its last segment.
      const segments = g === first ? SEGMENTS.filter((s) => s !== withheld) : ['*']
      await addProvider(sqliteHandle(db), demoCtx, {
        id: provider,
        kind: g.kind,
        baseUrl: g.baseUrl,
        sites: [],
        // A gateway that signs the URL it posts to (its notification_url setting) has the provider name it.
        settings:
          gatewayFacts(g.kind).settings.notification_url === undefined
            ? g.settings
            : {...g.settings, notification_url: webhookUrlFor(webhooksTo, g.kind)},
        segments,
        fallback: null,
        retrySchedule: null,
        maxRetries: null,
        secrets: {},
      })
      gateways.push({kind: g.kind, provider, baseUrl: g.baseUrl})
    }
    step(
      `providers: ${gateways.map((g) => g.provider).join(', ')} (demo-${first.kind} has no grant for segment "${withheld}")`,
    )
    // Only now may the gateways post: each URL names a provider that exists.
    for (const delivery of sandbox.running.deliveries.values()) delivery.start()
    alerts = await startDemoAlerts(sqliteHandle(db), demoCtx)
    const never = new AbortController().signal
    const sync = await runSync(sqliteHandle(db), demoCtx, {signals: {stop: never, abort: never}})
    step(
      `synced ${sync.totals.inserted} transactions, ${sync.totals.posted} postings, ${sync.totals.quarantined} quarantined`,
    )
    const runs = await livePhase(db, demoCtx, liveSeconds, step)
    const {forced: _forced, ...webhookStats} = await webhooks.close()
    if (liveSeconds > 0)
      step(`webhooks: ${webhookStats.accepted} accepted, ${webhookStats.duplicates} duplicates, at ${webhooks.url}`)
    // Read before the retries move the clock on by days, out of the metrics' window.
    const latency = latencyBySource(db, demoCtx)
    const methods = sandbox.scenario.customers.flatMap((c) =>
      gateways.map((g) => ({customer: c.id, provider: g.provider, method: c.paymentMethods[g.kind]})),
    )
    const retries = await demoRetries(db, demoCtx, {methods, advance: (ms) => void (shift += ms)}, step)
    const reconcile: DemoReconcile[] = []
    for (const site of listSites(db)) {
      const {result} = await runReconcile(sqliteHandle(db), demoCtx, {site: site.id})
      const {runId, counts, open} = result
      reconcile.push({site: site.id, runId, counts, open, identityHolds: result.identity.holds})
    }
    step(
      `reconciled ${reconcile.length} sites: ${reconcile.reduce((n, r) => n + r.counts.matched, 0)} matched, ${reconcile.reduce((n, r) => n + r.open, 0)} open exceptions`,
    )
    const received = await alerts.deliver()
    step(`alerts: the admin's receiver got ${received.received} signed alerts, ${received.verified} verified`)
    step(describeDeclines(db))
    const finished = await finish(db, demoCtx)
    return {
      home,
      kept: keep,
      gateways,
      imported: {sites: sites.inserted, customers: customers.inserted, invoices: invoices.inserted},
      missingGrant: {provider: `demo-${first.kind}`, segment: withheld},
      sync,
      reconcile,
      alerts: received,
      retries,
      live: {seconds: liveSeconds, runs, webhooks: {...webhookStats, url: webhooks.url}},
      latency,
      clockMovedMs: shift,
      finish: finished,
    }
  } finally {
    await alerts?.close()
    await webhooks.close()
    db.close()
    await sandbox.running.close()
    if (!keep) await rm(home, {recursive: true, force: true})
  }
}

/** How the failed payments the sync saw were decided: what a retry would do with them (`retry codes`). */
function describeDeclines(db: Db): string {
  const {codes} = listRetryCodes(db)
  const by = (decision: string) => codes.filter((c) => c.effective === decision).reduce((n, c) => n + c.seen, 0)
  const failed = codes.reduce((n, c) => n + c.seen, 0)
  const unmapped = codes.reduce((n, c) => n + c.unmapped, 0)
  return `declines: ${failed} failed payments, ${codes.length} codes: ${by('retry')} retryable, ${by('terminal')} terminal, ${by('unknown')} to resolve, ${unmapped} unmapped (yms-pay retry codes)`
}

/**
 * `sync --watch` for a few seconds while the world moves: new payments reach the ledger by webhook as they happen,
 * and the pulls every LIVE_INTERVAL_MS close what webhooks do not announce. Returns the number of pulls.
 */
async function livePhase(db: Db, ctx: AppContext, seconds: number, step: (m: string) => void): Promise<number> {
  if (seconds <= 0) return 0
  step(`live for ${seconds} s: new payments by webhook as they happen, a pull every ${LIVE_INTERVAL_MS / 1000} s`)
  const stop = new AbortController()
  const timer = setTimeout(() => stop.abort(), seconds * 1000)
  try {
    const result = await watchSync(sqliteHandle(db), ctx, {
      intervalMs: LIVE_INTERVAL_MS,
      // The sync's failed payments are retried in the demo's next phase, on a clock it moves on, where the story
      // (one provider down with a fallback, one without) can be told; here they would only be tried early.
      retries: false,
      signals: {stop: stop.signal, abort: new AbortController().signal},
    })
    return result.runs.length
  } finally {
    clearTimeout(timer)
  }
}

function latencyBySource(db: Db, ctx: AppContext): DemoResult['latency'] {
  return getMetrics(db, ctx, {window: '1h'}).providers.map((p) => ({
    provider: p.provider,
    pull: p.syncLatencyBySource.pull,
    webhook: p.syncLatencyBySource.webhook,
    webhookToLedgerMs: p.webhookToLedgerMs,
    uptimePct: p.uptimePct,
  }))
}

/** The --home directory for the demo: made if missing, refused if it holds a ledger (or what is left of one). */
function claimHome(home: HomeDirs): string {
  refuseNonDirectory(home)
  if (sizeOf(home.dbFile) !== undefined || existingSideFiles(home.dbFile).length > 0) {
    throw new UsageError(
      `demo --home: ${describeHome(home)} already holds a ledger, and the demo never touches an existing one`,
      'Name a new or empty directory, or leave --home out: the demo then runs in a throw-away home (--keep keeps it).',
    )
  }
  ensurePrivateDir(home.dataDir)
  return home.dataDir
}
