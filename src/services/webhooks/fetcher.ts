import type {AppContext} from '../../app/context.js'
import type {FetchedObjects} from '../../gateways/types.js'
import {scrubSecrets, scrubSecretsIn} from '../../secrets/index.js'
import type {LedgerHandle} from '../../store/ops/ledger-handle.js'
import type {Ops} from '../../store/ops/op.js'
import {listGrants} from '../../store/repos/grants.js'
import {recordCalls} from '../../store/repos/sync-state.js'
import {
  beatFetcher,
  dueFetches,
  FETCH_CLAIM_MS,
  fetchClaimants,
  fetcherLease,
  lockWebhookCommits,
  nextFetchAt,
  recordFetch,
  pruneFetcherLeases,
  releaseFetchClaims,
  type WebhookEventRow,
} from '../../store/repos/webhook-events.js'
import {releaseLease} from '../../store/repos/leases.js'
import {appendAudit} from '../audit.js'
import {leaseOwner, ownerIsDead} from '../lease-owner.js'
import {addCounts, applyItems, type ApplyCounts, serializeItems, serializeSkipped} from '../sync/apply.js'
import type {Connections} from './connections.js'
import {decodeEvents} from './stored-events.js'

/**
 * Reads what committed webhook events name (a thin event's object, an announced report) from the gateway and
 * applies it through the sync's apply path, after the gateway was answered: the 2xx never waits on a third party.
 * A read that fails is tried again on a back-off; after the last one the event is `failed` (the next pull closes
 * the gap, and `webhooks replay` starts the reading over). Events are read one at a time, oldest first; rows left
 * `fetching` by a crash are picked up when the server starts again.
 */
export interface Fetcher {
  /** Looks for due events now (after a commit that stored some). */
  wake(): void
  stop(): Promise<void>
}

/** Waits after the 1st, 2nd, … failed read; one more failure after the last marks the event failed. */
export const FETCH_BACKOFF_MS: readonly number[] = [2_000, 10_000, 30_000, 120_000, 600_000, 1_800_000, 3_600_000]

const BATCH = 8

/**
 * How long a fetcher's heartbeat lasts (PostgreSQL): renewed with each claim and every third of it while the fetcher
 * reads, so a fetcher that holds claims is never seen dead by another host unless it stalled this long.
 */
export const FETCHER_HEARTBEAT_MS = 30_000

export function createFetcher(
  ledger: LedgerHandle,
  ctx: AppContext,
  deps: {connections: Connections; now?: () => number; backoffMs?: readonly number[]},
): Fetcher {
  const now = deps.now ?? Date.now
  const backoff = deps.backoffMs ?? FETCH_BACKOFF_MS
  // Names this fetcher's claims (PostgreSQL), so that a fetcher finding it dead releases them.
  const owner = leaseOwner('webhooks')
  const abort = new AbortController()
  let running: Promise<void> | null = null
  let again = false
  let timer: NodeJS.Timeout | null = null

  // A wake while the loop runs, whenever it comes (a commit it cannot have seen: during the last claim, or during
  // the read that arms the timer), makes it go round again: otherwise an event committed just then waited for the
  // next wake, which may never come.
  const loop = async (): Promise<void> => {
    do {
      again = false
      const beat = ledger.engine === 'postgres' ? setInterval(heartbeat, FETCHER_HEARTBEAT_MS / 3) : null
      beat?.unref()
      try {
        await fetchDue()
      } finally {
        if (beat) clearInterval(beat)
        await beating
      }
      await armTimer()
    } while (again && !abort.signal.aborted)
  }
  // A heartbeat that fails is said once: the claim's own renewal (takeDueFetches) goes on, and a fetcher that cannot
  // write cannot record what it reads either.
  let beating: Promise<void> | null = null
  let beatFailed = false
  const heartbeat = (): void => {
    beating ??= ledger
      .write(() => beatFetcher.ops(owner, new Date(now()).toISOString(), FETCHER_HEARTBEAT_MS))
      .then(() => void (beatFailed = false))
      .catch((error: unknown) => {
        if (!beatFailed) ctx.warn(`webhook fetches: heartbeat: ${scrubSecrets((error as Error).message)}`)
        beatFailed = true
      })
      .finally(() => (beating = null))
  }
  const fetchDue = async (): Promise<void> => {
    for (;;) {
      const due = await takeDueFetches(ledger, new Date(now()).toISOString(), owner)
      if (due.length === 0 || abort.signal.aborted) return
      for (const row of due) {
        if (abort.signal.aborted) return
        await readEventObjects(ledger, ctx, deps.connections, row, {
          now,
          backoff,
          signal: abort.signal,
          source: 'webhook',
        })
      }
    }
  }
  const armTimer = async (): Promise<void> => {
    if (timer) clearTimeout(timer)
    timer = null
    const at = abort.signal.aborted ? null : await ledger.read(nextFetchAt.ops())
    if (at === null || abort.signal.aborted) return
    timer = setTimeout(wake, Math.max(0, Date.parse(at) - now()))
    timer.unref()
  }
  const wake = (): void => {
    if (abort.signal.aborted) return
    if (running) {
      again = true
      return
    }
    running = loop()
      .catch((error: unknown) => ctx.warn(`webhook fetches: ${scrubSecrets((error as Error).message)}`))
      .finally(() => (running = null))
  }

  return {
    wake,
    async stop() {
      abort.abort()
      if (timer) clearTimeout(timer)
      await running
      // What it claimed and did not read (a stop cut the batch short) is due again at once, for another host; its
      // heartbeat goes with them, and those of fetchers that died holding nothing.
      if (ledger.engine === 'postgres') {
        const at = new Date(now()).toISOString()
        await ledger.write(() =>
          (function* () {
            yield* releaseFetchClaims.ops(owner, at)
            yield* releaseLease.ops(fetcherLease(owner), owner)
            yield* pruneFetcherLeases.ops(at)
          })(),
        )
      }
    },
  }
}

/**
 * The due events, oldest first. On PostgreSQL they are claimed in the same statement, a write, so another host's
 * fetcher passes them over (repos/webhook-events.ts). In the same transaction, first, the fetcher's heartbeat is
 * renewed (it holds claims only while it beats), and the claims of dead fetchers are released, due at once rather
 * than when they lapse: those on this host whose process is gone (a SIGKILL), and those anywhere whose heartbeat
 * lapsed or was never taken (a host that died, or a fetcher from before heartbeats). SQLite's one writer needs no
 * claim, and its read does not wait for the lock the webhooks' writer thread holds while it commits.
 */
export function takeDueFetches(ledger: LedgerHandle, now: string, owner: string): Promise<WebhookEventRow[]> {
  if (ledger.engine === 'sqlite') return ledger.read(dueFetches.ops(now, BATCH))
  return ledger.write(() =>
    (function* () {
      yield* beatFetcher.ops(owner, now, FETCHER_HEARTBEAT_MS)
      for (const {claimant, heartbeatUntil} of yield* fetchClaimants.ops(owner))
        if (ownerIsDead(claimant) || heartbeatUntil === null || heartbeatUntil <= now) {
          yield* releaseFetchClaims.ops(claimant, now)
          yield* releaseLease.ops(fetcherLease(claimant), claimant)
        }
      return yield* dueFetches.ops(now, BATCH, FETCH_CLAIM_MS, owner)
    })(),
  )
}

/**
 * Reads one stored event's objects and applies them (source `webhook`, or `replay` for `webhooks replay`); on failure
 * the row waits for its next try on the back-off, or becomes `failed` after the last. Returns the error, if any.
 */
export async function readEventObjects(
  ledger: LedgerHandle,
  ctx: AppContext,
  connections: Connections,
  row: WebhookEventRow,
  opts: {now: () => number; backoff: readonly number[]; signal?: AbortSignal; source: 'webhook' | 'replay'},
): Promise<string | null> {
  const applied = JSON.parse(row.appliedJson) as ApplyCounts
  let read: {found: FetchedObjects; kind: string}
  try {
    read = await readObjects(connections, row, opts.signal)
  } catch (error) {
    if (opts.signal?.aborted) return null // stopping: the row stays due, and is read when the server runs again
    const message = scrubSecrets((error as Error).message)
    const wait = opts.backoff[row.fetchAttempts]
    const at = new Date(opts.now()).toISOString()
    // Taken out once, outside the body: a body run again (a deadlock, ledger-handle.ts) must record them again.
    const calls = connections.takeCalls()
    await ledger.write(() =>
      (function* () {
        yield* recordCalls.ops(calls)
        yield* recordFetch.ops(row.id, {
          status: wait === undefined ? 'failed' : 'fetching',
          appliedJson: row.appliedJson,
          nextFetchAt: wait === undefined ? null : new Date(opts.now() + wait).toISOString(),
          error: message,
        })
        if (wait === undefined)
          yield* auditFetch(ctx, row, 'error', {error: message, attempts: row.fetchAttempts + 1, at})
      })(),
    )
    return message
  }
  const {found, kind} = read
  const calls = connections.takeCalls()
  await ledger.write(() =>
    (function* () {
      yield* lockWebhookCommits.ops()
      const counts = yield* applyItems.ops(
        {
          provider: row.provider,
          kind,
          actor: ctx.actor,
          source: opts.source,
          grants: yield* listGrants.ops(row.provider),
          latencySince: null,
          customers: new Map(),
        },
        serializeItems(found.items).map((i) => ({txn: scrubSecretsIn(i.txn), rawJson: scrubSecrets(i.rawJson)})),
        scrubSecretsIn(found.invalid),
        serializeSkipped(scrubSecretsIn(found.skipped ?? [])),
      )
      yield* recordCalls.ops(calls)
      yield* recordFetch.ops(row.id, {
        status: 'applied',
        appliedJson: JSON.stringify(addCounts(applied, counts)),
        nextFetchAt: null,
        error: null,
      })
      yield* auditFetch(ctx, row, 'ok', counts)
    })(),
  )
  return null
}

/**
 * Every object the event names, read in order, and the provider's kind they apply as; the provider must still exist
 * and be enabled to be called.
 */
async function readObjects(
  connections: Connections,
  row: WebhookEventRow,
  signal?: AbortSignal,
): Promise<{found: FetchedObjects; kind: string}> {
  const provider = await connections.provider(row.provider)
  if (!provider) throw new Error(`provider ${row.provider} no longer exists`)
  if (!provider.enabled)
    throw new Error(`provider ${row.provider} is disabled, and a disabled provider is never called`)
  const client = await connections.client(provider)
  if (!client.fetchObject) throw new Error(`${provider.kind} webhooks cannot name objects to read`)
  const out: Required<FetchedObjects> = {items: [], invalid: [], skipped: []}
  for (const ref of decodeEvents(row.eventsJson).fetches) {
    const got = await client.fetchObject(ref, signal)
    out.items.push(...got.items)
    out.invalid.push(...got.invalid)
    out.skipped.push(...(got.skipped ?? []))
  }
  return {found: out, kind: provider.kind}
}

function* auditFetch(ctx: AppContext, row: WebhookEventRow, outcome: 'ok' | 'error', details: object): Ops<void> {
  yield* appendAudit.ops({
    actor: ctx.actor,
    action: 'webhook.fetched',
    provider: row.provider,
    subject: `webhook event ${row.id}`,
    outcome,
    details: {...details, dedupKey: row.dedupKey},
  })
}
