import type {AppContext} from '../../app/context.js'
import type {LedgerHandle} from '../../store/ops/ledger-handle.js'
import {startAlertDelivery} from '../alerts/loop.js'
import {type CommitterOptions, createCommitter} from './committer.js'
import {workerCommitter} from './worker-committer.js'
import {workerAvailable} from '../sync/page-writer.js'
import {createConnections} from './connections.js'
import {createFetcher} from './fetcher.js'
import {type HttpLimits, type HttpServer, listen} from './http-server.js'
import {receiveWebhook} from './receive.js'
import {createRefusalLog} from './refusals.js'

export interface WebhookServerOptions extends Partial<HttpLimits> {
  host?: string
  port?: number
  /** How long a drain waits for in-flight requests before closing their connections. */
  drainTimeoutMs?: number
  /**
   * Deliver alerts while serving (`webhooks serve` on its own). Off where another loop of the same process already
   * delivers them (`sync --watch`), and by default.
   */
  deliverAlerts?: boolean
}

export interface WebhookServerStats {
  /** Deliveries committed as new events. */
  accepted: number
  /** Redeliveries of events already stored: answered 2xx, applied nothing. */
  duplicates: number
  /** Refusals by HTTP status. */
  refused: Record<string, number>
}

export interface RunningWebhookServer {
  url: string
  stats(): WebhookServerStats
  /** SIGTERM: stop taking requests, finish the ones in flight, commit, stop fetching, write the refusal tallies. */
  close(): Promise<WebhookServerStats & {forced: number}>
}

export const DEFAULTS = {
  host: '127.0.0.1',
  port: 8787,
  // Stripe caps event payloads well under this; Adyen sends one notification item per request.
  maxBodyBytes: 1024 * 1024,
  headersTimeoutMs: 10_000,
  bodyTimeoutMs: 10_000,
  drainTimeoutMs: 10_000,
} as const

const REFUSAL_FLUSH_MS = 1_000

/**
 * `webhooks serve` (and `sync --watch --webhooks-port`): verified webhooks into the ledger through the sync's apply
 * path, durable before 2xx (receive.ts, committer.ts), the objects thin events name read afterwards (fetcher.ts).
 *
 * On SQLite the groups commit on a writer thread with its own connection to the file; on PostgreSQL through the
 * handle, one group at a time, and several servers may share the ledger behind a load balancer: a redelivery that
 * reaches two of them is applied once (commit-group.ts), and a thin event's objects are read by one (fetcher.ts).
 */
export async function startWebhookServer(
  ledger: LedgerHandle,
  ctx: AppContext,
  opts: WebhookServerOptions = {},
): Promise<RunningWebhookServer> {
  const now = ctx.now
  const counts = {accepted: 0, duplicates: 0}
  const refusals = createRefusalLog()
  const connections = await createConnections(ledger, ctx)
  const fetcher = createFetcher(ledger, ctx, {connections})
  const committerOptions: CommitterOptions = {
    actor: ctx.actor,
    now,
    takeCalls: connections.takeCalls,
    onCommitted(outcomes) {
      for (const o of outcomes) {
        if (o.status === 'duplicate') counts.duplicates++
        else counts.accepted++
      }
      if (outcomes.some((o) => o.status === 'fetching')) fetcher.wake()
    },
  }
  // A writer thread unless YMS_PAY_SYNC_WORKER=0 (as the sync's page writer; an in-memory ledger has no file to share).
  const {db} = ledger
  const committer =
    db && workerAvailable(ctx.env) && db.file !== ':memory:'
      ? await workerCommitter(db.file, committerOptions)
      : createCommitter(ledger, committerOptions)
  const stats = (): WebhookServerStats => ({...counts, refused: refusals.totals()})
  // One flush at a time: a slow ledger must not pile up flushes each holding the same tallies' audit rows.
  let flushing: Promise<void> | null = null
  const flushRefusals = (): Promise<void> =>
    (flushing ??= refusals
      .flush(ledger, ctx.actor)
      .catch((error: unknown) => ctx.warn(`webhook refusals not audited yet: ${(error as Error).message}`))
      .finally(() => (flushing = null)))
  const flusher = setInterval(() => refusals.pending() && void flushRefusals(), REFUSAL_FLUSH_MS)
  flusher.unref()
  let draining = false
  const http: HttpServer = await listen(
    opts.host ?? DEFAULTS.host,
    opts.port ?? DEFAULTS.port,
    {
      maxBodyBytes: opts.maxBodyBytes ?? DEFAULTS.maxBodyBytes,
      headersTimeoutMs: opts.headersTimeoutMs ?? DEFAULTS.headersTimeoutMs,
      bodyTimeoutMs: opts.bodyTimeoutMs ?? DEFAULTS.bodyTimeoutMs,
    },
    {
      webhook: (req) => receiveWebhook({connections, committer, refusals, now}, req),
      health: (): {status: number; body: object} => ({
        status: draining ? 503 : 200,
        body: {status: draining ? 'draining' : 'ok', ...stats(), inFlight: http.inFlight()},
      }),
      refusals,
      now,
    },
  ).catch(async (error: unknown) => {
    clearInterval(flusher)
    await committer.close()
    throw error
  })
  // Rows a crash left `fetching` are read now.
  fetcher.wake()
  // The alerts these webhooks raise (a failed payment, a balance changed, a denied customer) go out as they commit.
  const stopAlerts = new AbortController()
  const alerts = opts.deliverAlerts ? startAlertDelivery(ledger, ctx, {stop: stopAlerts.signal}) : null
  let closing: Promise<WebhookServerStats & {forced: number}> | null = null
  const close = async (): Promise<WebhookServerStats & {forced: number}> => {
    draining = true
    const {forced} = await http.drain(opts.drainTimeoutMs ?? DEFAULTS.drainTimeoutMs)
    await committer.drain()
    await committer.close()
    await fetcher.stop()
    clearInterval(flusher)
    await flushing
    await flushRefusals()
    // Last: attempts in flight finish; what is still due waits in the outbox for the next serve, watch or flush.
    stopAlerts.abort()
    await alerts?.stopped
    return {...stats(), forced}
  }
  return {
    url: http.url,
    stats,
    // Once: a second call (an error path after a clean stop) waits for the first.
    close: () => (closing ??= close()),
  }
}
