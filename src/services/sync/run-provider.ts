import type {AppContext} from '../../app/context.js'
import {toErrorReport} from '../../app/error-report.js'
import type {Page} from '../../gateways/types.js'
import type {GatewayCall} from '../../core/gateway-call.js'
import type {LedgerHandle} from '../../store/ops/ledger-handle.js'
import {now, type Ops, write} from '../../store/ops/op.js'
import {listGrants} from '../../store/repos/grants.js'
import {acquireLease, type Lease, releaseLease} from '../../store/repos/leases.js'
import type {Provider} from '../../store/repos/providers.js'
import {
  finishRun,
  loadCursor,
  markDeadRunFailed,
  previousRunStart,
  recordCalls,
  recordSkipped,
  startRun,
} from '../../store/repos/sync-state.js'
import {scrubSecrets} from '../../secrets/index.js'
import {alertOnRunEnd, CallWitness} from '../alerts/run-events.js'
import {appendAudit} from '../audit.js'
import {leaseOwner, ownerIsDead} from '../lease-owner.js'
import {openSecretStore} from '../secret-store.js'
import {addCounts, serializeItems, serializeSkipped, zeroCounts, type ApplyCounts} from './apply.js'
import type {ApplyScope} from './scope.js'
import type {RunRef} from './commit-page.js'
import {
  handleWriter,
  inProcessWriter,
  PAGES_PER_COMMIT,
  type PageWriter,
  workerAvailable,
  workerWriter,
} from './page-writer.js'
import {connectProvider} from './connect.js'
import {replayQuarantineIn} from './replay.js'
import {scrubPage} from './scrub-page.js'

export interface ProviderRun extends ApplyCounts {
  provider: string
  /** stopped: a stop signal ended the run with pages still to fetch (what was committed stays; the next run resumes). */
  status: 'ok' | 'failed' | 'skipped_locked' | 'stopped'
  pages: number
  durationMs: number
  error?: string
  exitCode?: number
}

export interface SyncSignals {
  /** Graceful stop (first Ctrl-C / SIGTERM): finish the page in flight, commit it, stop. */
  stop: AbortSignal
  /** Hard stop: abort the HTTP request in flight. */
  abort: AbortSignal
}

export interface ProviderSyncOptions {
  owner?: string
  since?: string
  leaseTtlMs?: number
  signals: SyncSignals
  onPage?: (event: {provider: string; page: number; counts: ApplyCounts; hasMore: boolean}) => void
}

const DEFAULT_LEASE_MS = 5 * 60_000
/**
 * Pages handed to the writer and not yet committed. On SQLite two keep the writer thread busy (the next page is
 * already waiting when a commit ends). On PostgreSQL the pages that queue up commit together (handleWriter), so
 * twice PAGES_PER_COMMIT: a full batch waits while one commits. Memory stays bounded to those pages whatever the
 * run's size.
 */
const writesInFlight = (db: LedgerHandle['db']) => (db === undefined ? 2 * PAGES_PER_COMMIT : 2)

/**
 * One provider, one run: take its lease, walk pages from the stored cursor until the gateway has no more. Each page
 * commits with its cursor in one immediate transaction, so a crash repeats at most that page (on PostgreSQL, the
 * pages that queued up behind a commit go in one: a crash repeats at most those). The next page is fetched while the
 * current one is written (pipelining), so throughput approaches the slower of network and disk. On SQLite the pages
 * commit on a writer thread of their own (page-writer.ts); on PostgreSQL through the handle, and the lease keeps one
 * host syncing a provider at a time.
 */
export async function syncProvider(
  ledger: LedgerHandle,
  ctx: AppContext,
  provider: Provider,
  opts: ProviderSyncOptions,
): Promise<ProviderRun> {
  const started = Date.now()
  const owner = opts.owner ?? leaseOwner('sync')
  const leaseName = `sync:${provider.id}`
  const ttl = opts.leaseTtlMs ?? DEFAULT_LEASE_MS
  const report = (status: ProviderRun['status'], counts: ApplyCounts, pages: number, error?: unknown): ProviderRun => {
    const run: ProviderRun = {provider: provider.id, status, pages, ...counts, durationMs: Date.now() - started}
    if (error !== undefined) {
      const e = scrubbedReport(error)
      run.error = e.message
      run.exitCode = e.exitCode
    }
    return run
  }
  // Functions, here and below: a write the server broke a deadlock with runs again (ledger-handle.ts).
  const lease = await ledger.write(() => acquireLease.ops(leaseName, owner, ttl))
  const held = lease.acquired
    ? lease.lease
    : ownerIsDead(lease.lease.owner)
      ? await ledger.write(() => takeOver(provider.id, leaseName, lease.lease.owner, owner, ttl))
      : null
  if (held === null) {
    await ledger.write(() => recordSkipped.ops(provider.id, owner))
    const skipped = report('skipped_locked', zeroCounts(), 0)
    skipped.error = `locked by ${lease.lease.owner} until ${lease.lease.expiresAt}`
    return skipped
  }
  const latencySince = await ledger.read(previousRunStart.ops(provider.id))
  const runId = await ledger.write(() => startRun.ops(provider.id, owner))
  let totals = zeroCounts()
  let pages = 0
  const calls: GatewayCall[] = []
  const witness = new CallWitness()
  let pending: Promise<Page> | null = null
  let more = true
  let writer: PageWriter | null = null
  const db = ledger.db
  try {
    const {client} = await connectProvider(ctx, provider, {
      // On SQLite, the Db's own call: a missing store id names the file.
      secrets: db ? openSecretStore(db, ctx) : await ledger.read(openSecretStore.ops(ctx)),
      onCall: (c) => {
        calls.push(c)
        witness.observe(c)
      },
    })
    const scope: ApplyScope = {
      provider: provider.id,
      kind: provider.kind,
      actor: ctx.actor,
      source: 'pull',
      grants: await ledger.read(listGrants.ops(provider.id)),
      latencySince,
      customers: new Map(),
    }
    // heldSince: a page commits only under the lease this run took, never under one it took again after a lapse.
    const run: RunRef = {runId, lease: {name: leaseName, owner, ttlMs: ttl, heldSince: held.acquiredAt}}
    writer =
      db === undefined
        ? handleWriter(ledger, scope, run)
        : workerAvailable(ctx.env)
          ? await workerWriter(db.file, scope, run, () => Date.parse(db.now()))
          : inProcessWriter(db, scope, run)
    const fetchOpts = opts.since ? {since: opts.since} : undefined
    pending = client.fetchPage(await ledger.read(loadCursor.ops(provider.id)), opts.signals.abort, fetchOpts)
    // Three stages overlap: the gateway serves page n+1 while it is parsed here and earlier pages are committed. Up to
    // writesInFlight pages wait at the writer, so it starts the next commit without a round trip back to this thread.
    const writing: Array<Promise<void>> = []
    const inFlight = writesInFlight(db)
    while (pending) {
      const page: Page = await pending
      more = page.hasMore
      pending =
        page.hasMore && !opts.signals.stop.aborted ? client.fetchPage(page.next, opts.signals.abort, fetchOpts) : null
      // Oldest first: a failed page surfaces before anything after it could be reported as written.
      if (writing.length >= inFlight) await writing.shift()
      const pageNo = ++pages
      const hasMore = page.hasMore
      // Nothing below keeps `page` alive: its parsed objects die young instead of waiting (and being promoted to the
      // old generation) until the commit lands.
      const written = writer
        .write({
          page: scrubPage({
            items: serializeItems(page.items),
            invalid: page.invalid,
            skipped: serializeSkipped(page.skipped),
            next: page.next,
          }),
          pageNo,
          calls: calls.splice(0),
        })
        .then((counts) => {
          totals = addCounts(totals, counts)
          opts.onPage?.({provider: provider.id, page: pageNo, counts, hasMore})
        })
      // Handled when awaited; marked now so a failure during the next fetch is not an unhandled rejection.
      written.catch(() => undefined)
      writing.push(written)
    }
    while (writing.length > 0) await writing.shift()
    await writer.close()
    writer = null
    if (more) {
      // Stopped between pages: everything committed stays, and the cursor resumes from here next time.
      await ledger.write(() =>
        finishRun.ops(runId, 'stopped', 'stopped by a signal before the gateway had no more pages'),
      )
      return report('stopped', totals, pages)
    }
    // Items that waited for their payment or customer may apply now.
    const replayed = await replayQuarantineIn(ledger, ctx, {
      provider: provider.id,
      reasons: ['unknown_customer'],
      quiet: true,
    })
    totals.quarantined = Math.max(0, totals.quarantined - replayed.applied)
    const reach = witness.reach()
    await ledger.write(() =>
      (function* () {
        yield* finishRun.ops(runId, 'ok', null)
        yield* alertOnRunEnd.ops({provider: provider.id, status: 'ok', reach, at: yield* now()})
      })(),
    )
    return report('ok', totals, pages)
  } catch (error) {
    pending?.catch(() => undefined)
    await writer?.close()
    const e = scrubbedReport(error)
    const unrecorded = calls.splice(0)
    const reach = witness.reach()
    await ledger.write(() =>
      (function* () {
        yield* recordCalls.ops(unrecorded)
        yield* appendAudit.ops({
          actor: ctx.actor,
          action: 'sync.failed',
          provider: provider.id,
          subject: provider.id,
          outcome: 'error',
          details: {error: e.message, code: e.code},
        })
        const error = {message: e.message, code: e.code}
        yield* alertOnRunEnd.ops({provider: provider.id, status: 'failed', reach, error, at: yield* now()})
      })(),
    )
    await ledger.write(() => finishRun.ops(runId, 'failed', e.message))
    return report('failed', totals, pages, error)
  } finally {
    await ledger.write(() => releaseLease.ops(leaseName, owner))
  }
}

/** What a failed run stores and reports: the error, with every secret this process read taken out of its text. */
function scrubbedReport(error: unknown): ReturnType<typeof toErrorReport> {
  const report = toErrorReport(error)
  return {...report, message: scrubSecrets(report.message), hint: report.hint && scrubSecrets(report.hint)}
}

/** The lease taken over from a dead owner, or null when another run took it first. */
function* takeOver(provider: string, name: string, deadOwner: string, owner: string, ttlMs: number): Ops<Lease | null> {
  return yield* write(
    (function* () {
      // Only if the dead owner still holds it: two runs racing for the takeover cannot both win.
      if (!(yield* releaseLease.ops(name, deadOwner))) return null
      yield* markDeadRunFailed.ops(provider, deadOwner)
      const got = yield* acquireLease.ops(name, owner, ttlMs)
      return got.acquired ? got.lease : null
    })(),
  )
}
