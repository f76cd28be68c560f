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
import {ensurePrivateDir} from '../store/private-files.js'
import {existingSideFiles, sizeOf} from '../store/side-files.js'
import {SEGMENTS} from '../sandbox/generate.js'
import {webhookUrlFor} from '../sandbox/serve.js'
import {importCustomers} from './customers.js'
import {importInvoices} from './invoices.js'
import {addProvider} from './providers.js'
import {getMetrics, type LatencySummary} from './metrics.js'
import {startSandbox} from './sandbox.js'
import {importSites} from './sites.js'
import {runSync, type SyncResult} from './sync/sync.js'
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
  /** The live phase: new payments arriving, by webhook into the demo's `webhooks serve` and by the watch loop's pulls. */
  live: {seconds: number; runs: number; webhooks: WebhookServerStats & {url: string}}
  /** Per provider at the end: sync latency by source, webhook to ledger, and the gateway's uptime. */
  latency: Array<{
    provider: string
    pull: LatencySummary
    webhook: LatencySummary
    webhookToLedgerMs: LatencySummary
    uptimePct: number | null
  }>
}

/** New payments a minute in the live phase: enough for every gateway to see some in a few seconds. */
const LIVE_PER_MINUTE = 240
const LIVE_INTERVAL_MS = 5_000

/**
 * The whole loop on a throw-away home: a seeded sandbox world served by every gateway emulator, its YMS side
 * imported, one provider per gateway with grants (one segment deliberately not granted), then a sync; with a live
 * phase, the world keeps moving for a few seconds, its webhooks delivered to a `webhooks serve` the demo runs, while
 * the watch loop pulls, and the result ends with sync latency by source and each gateway's uptime. Secrets go
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
  const demoCtx: AppContext = {...ctx, env, home: resolveHome({flag: home, env, xdgDataDir: home, xdgConfigDir: home})}
  step(`demo home ${home}`)
  const liveSeconds = opts.liveSeconds ?? 0
  const db = openDatabase(demoCtx.home.dbFile)
  // The gateways deliver to the demo's own webhook server, one URL per provider (demo-<kind>).
  const webhooks = await startWebhookServer(db, demoCtx, {port: 0}).catch((error: unknown) => {
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
    exportDir: join(home, 'world'),
    webhooksTo,
    live: liveSeconds > 0 ? {perMinute: LIVE_PER_MINUTE, forMs: liveSeconds * 1000 + 60_000} : undefined,
  }).catch(async (error: unknown) => {
    await webhooks.close()
    db.close()
    throw error
  })
  try {
    step(`sandbox: ${sandbox.running.gateways.map((g) => `${g.kind} ${g.baseUrl}`).join(', ')}`)
    const files = sandbox.exported!.files
    const sites = await importSites(db, demoCtx, files.sites)
    const customers = await importCustomers(db, demoCtx, files.customers)
    const invoices = await importInvoices(db, demoCtx, files.invoices)
    step(`imported ${sites.inserted} sites, ${customers.inserted} customers, ${invoices.inserted} invoices`)
    const gateways: DemoResult['gateways'] = []
    const withheld = SEGMENTS[SEGMENTS.length - 1]!
    const first = sandbox.running.gateways[0]!
    for (const g of sandbox.running.gateways) {
      const provider = `demo-${g.kind}`
      for (const [field, value] of Object.entries(g.secrets)) env[envVarName(provider, field)] = value
      // Every provider may write every segment, except the first one, which is not granted its last segment.
      const segments = g === first ? SEGMENTS.filter((s) => s !== withheld) : ['*']
      await addProvider(db, demoCtx, {
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
    const never = new AbortController().signal
    const sync = await runSync(db, demoCtx, {signals: {stop: never, abort: never}})
    step(
      `synced ${sync.totals.inserted} transactions, ${sync.totals.posted} postings, ${sync.totals.quarantined} quarantined`,
    )
    const runs = await livePhase(db, demoCtx, liveSeconds, step)
    const {forced: _forced, ...received} = await webhooks.close()
    if (liveSeconds > 0)
      step(`webhooks: ${received.accepted} accepted, ${received.duplicates} duplicates, at ${webhooks.url}`)
    const finished = await finish(db, demoCtx)
    return {
      home,
      kept: keep,
      gateways,
      imported: {sites: sites.inserted, customers: customers.inserted, invoices: invoices.inserted},
      missingGrant: {provider: `demo-${first.kind}`, segment: withheld},
      sync,
      live: {seconds: liveSeconds, runs, webhooks: {...received, url: webhooks.url}},
      latency: latencyBySource(db, demoCtx),
      finish: finished,
    }
  } finally {
    await webhooks.close()
    db.close()
    await sandbox.running.close()
    if (!keep) await rm(home, {recursive: true, force: true})
  }
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
    const result = await watchSync(db, ctx, {
      intervalMs: LIVE_INTERVAL_MS,
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
