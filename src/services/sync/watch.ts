import type {AppContext} from '../../app/context.js'
import type {LedgerHandle} from '../../store/ops/ledger-handle.js'
import {startAlertDelivery} from '../alerts/loop.js'
import {runRetries} from '../retry/run.js'
import {syncProvider, type ProviderRun, type ProviderSyncOptions} from './run-provider.js'
import {startWebhookServer, type WebhookServerOptions, type WebhookServerStats} from '../webhooks/serve.js'
import {checkLedgerBeforeWriting, selectProviders, stillEnabled, summarize, type SyncResult} from './sync.js'
import {sleepUntil} from '../sleep-until.js'

export interface WatchOptions extends Omit<ProviderSyncOptions, 'owner'> {
  providers?: string[]
  intervalMs: number
  onRun?: (run: ProviderRun) => void
  random?: () => number
  /** Receive webhooks while watching (`--webhooks-port`): told where once listening. */
  webhooks?: WebhookServerOptions & {onListening?: (url: string) => void}
  /** Run the due retries on the watch's beat (default). The demo shows its retries in a phase of their own. */
  retries?: boolean
}

/**
 * Real-time mode: each provider on its own loop, every interval ±10 % (jitter keeps many providers, or many
 * machines, from calling at the same instant), and the due retries of their failed payments on a loop of their
 * own, until the stop signal. Returns the totals of all sync runs. With `webhooks`, a webhook server runs alongside:
 * webhooks give real time, and the pull closes any gap (an event the gateway never delivered lands within one
 * interval). The stop signal drains it after the loops end.
 */
export async function watchSync(
  ledger: LedgerHandle,
  ctx: AppContext,
  opts: WatchOptions,
): Promise<SyncResult & {webhooks?: WebhookServerStats}> {
  const providers = await ledger.read(selectProviders.ops(ctx, opts.providers))
  checkLedgerBeforeWriting(ledger)
  const server = opts.webhooks ? await startWebhookServer(ledger, ctx, opts.webhooks) : null
  if (server) opts.webhooks?.onListening?.(server.url)
  try {
    const result = await watchLoops(ledger, ctx, opts, providers)
    if (!server) return result
    const {forced: _forced, ...webhooks} = await server.close()
    return {...result, webhooks}
  } catch (error) {
    await server?.close()
    throw error
  }
}

async function watchLoops(
  ledger: LedgerHandle,
  ctx: AppContext,
  opts: WatchOptions,
  providers: ReturnType<typeof selectProviders>,
): Promise<SyncResult> {
  const random = opts.random ?? Math.random
  const runs: ProviderRun[] = []
  // Alerts raised by these runs (and by anything else writing this ledger) go out while the loop watches.
  const alerts = startAlertDelivery(ledger, ctx, {stop: opts.signals.stop, abort: opts.signals.abort})
  // Due retries of the watched providers' failed payments run on the same beat, in their own loop (docs/architecture.md, "Retries").
  const retries = async () => {
    while (!opts.signals.stop.aborted) {
      try {
        const r = await runRetries(ledger, ctx, {
          providers: providers.map((p) => p.id),
          signals: opts.signals,
        })
        if (r.due > 0)
          ctx.note(
            `retries: ${r.due} due, ${r.sent} sent, ${r.recovered} recovered, ${r.unresolved} awaiting an outcome${r.sent < r.due ? ' (why the others wait: yms-pay retry list)' : ''}`,
          )
      } catch (error) {
        ctx.warn(`retries: ${(error as Error).message}`)
      }
      await sleepUntil(opts.intervalMs * (0.9 + 0.2 * random()), opts.signals.stop)
    }
  }
  await Promise.all([
    ...(opts.retries === false ? [] : [retries()]),
    ...providers.map(async (provider) => {
      let skipping = false
      while (!opts.signals.stop.aborted) {
        // Disabled while watching: not called again until it is enabled again.
        if (await ledger.read(stillEnabled.ops(provider.id))) {
          skipping = false
          const run = await syncProvider(ledger, ctx, provider, opts)
          runs.push(run)
          opts.onRun?.(run)
        } else if (!skipping) {
          skipping = true
          ctx.note(`${provider.id}: disabled, skipped until it is enabled again`)
        }
        await sleepUntil(opts.intervalMs * (0.9 + 0.2 * random()), opts.signals.stop)
      }
    }),
  ])
  await alerts?.stopped
  return {runs, totals: summarize(runs, providers.length)}
}
