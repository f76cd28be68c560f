import {Agent} from 'undici'

import type {AppContext} from '../../app/context.js'
import type {LedgerHandle} from '../../store/ops/ledger-handle.js'
import {nextDueAt, pruneSettled} from '../../store/repos/alerts-outbox.js'
import {type DeliverOptions, deliverDue, type DeliveryReport} from './deliver.js'
import {sleepUntil} from '../sleep-until.js'

/** Settled alerts are kept this long (de-duplication and `alerts list` read them), then pruned. */
export const KEEP_SETTLED_MS = 30 * 86_400_000
/**
 * How often a delivery loop looks for new alerts. They are raised in other transactions (a sync page on the writer
 * thread, a webhook, another process), so the loop polls; one indexed read per poll.
 */
const DEFAULT_POLL_MS = 1_000
const PRUNE_EVERY_MS = 3_600_000

export interface AlertDelivery {
  /** Resolves once the loop has ended (after `stop`, with the attempts in flight finished). */
  stopped: Promise<void>
}

/**
 * Delivers alerts continuously, for `sync --watch` and `webhooks serve`: each due delivery as soon as a poll sees
 * it, each retry when the schedule says. Only one process delivers at a time (deliver.ts's lease); another one's
 * loop waits its turn. What needs an admin (a missing secret, a receiver that answered 410, a failing round) is
 * said through ctx.warn, once per cause (or a failing round through `onError`), and the loop goes on.
 */
export function startAlertDelivery(
  ledger: LedgerHandle,
  ctx: AppContext,
  opts: Omit<DeliverOptions, 'stop' | 'dispatcher'> & {
    stop: AbortSignal
    pollMs?: number
    onRound?: (report: DeliveryReport) => void
    onError?: (error: unknown) => void
  },
): AlertDelivery {
  const pollMs = opts.pollMs ?? DEFAULT_POLL_MS
  const agent = new Agent({keepAliveTimeout: 10_000})
  const said = new Set<string>()
  // What an admin must act on, said once (the loop polls every second): a missing secret, a 410.
  const sayOnce = (key: string, message: string) => {
    if (!said.has(key)) ctx.warn(message)
    said.add(key)
  }
  const loop = async () => {
    let prunedAt = 0
    while (!opts.stop.aborted) {
      let wait = pollMs
      try {
        const report = await deliverDue(ledger, ctx, {...opts, dispatcher: agent})
        for (const b of report.blocked) sayOnce(`${b.target}\n${b.reason}`, `alerts: ${b.target}: ${b.reason}`)
        for (const id of report.disabled)
          ctx.warn(`alerts: ${id} answered 410 Gone and is disabled; \`yms-pay alerts enable ${id}\` resumes it`)
        opts.onRound?.(report)
        // Set-aside targets (failing, or missing a secret) may still have deliveries due: not before the next poll.
        if (report.deferred.length === 0 && report.busy === null) wait = await untilNext(ledger, ctx.now(), pollMs)
        if (ctx.now() - prunedAt >= PRUNE_EVERY_MS) {
          prunedAt = ctx.now()
          await ledger.write(() => pruneSettled.ops(new Date(prunedAt - KEEP_SETTLED_MS).toISOString()))
        }
      } catch (error) {
        if (opts.onError) opts.onError(error)
        else sayOnce(`error\n${(error as Error).message}`, `alerts: delivery failed: ${(error as Error).message}`)
      }
      await sleepUntil(wait, opts.stop)
    }
  }
  return {stopped: loop().finally(() => agent.close())}
}

/** Until the next delivery falls due, at most one poll interval (new alerts may appear any time). */
async function untilNext(ledger: LedgerHandle, nowMs: number, pollMs: number): Promise<number> {
  const next = await ledger.read(nextDueAt.ops())
  if (next === null) return pollMs
  return Math.min(pollMs, Math.max(0, Date.parse(next) - nowMs))
}
