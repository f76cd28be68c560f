import {Agent} from 'undici'

import type {AppContext} from '../../app/context.js'
import {ExitCode} from '../../core/errors.js'
import type {LedgerHandle} from '../../store/ops/ledger-handle.js'
import {nextDueAt, pendingDeliveries, pruneSettled} from '../../store/repos/alerts-outbox.js'
import {type DeliverOptions, deliverDue, type DeliveryReport} from './deliver.js'
import {KEEP_SETTLED_MS} from './loop.js'

export interface FlushResult extends DeliveryReport {
  /** Deliveries still waiting (to enabled targets) after the flush: retries not due yet, or set aside. */
  pending: number
  /** Waiting for a disabled target (after a 410, until `alerts enable`). */
  pendingDisabled: number
  nextAttemptAt: string | null
  /** Settled alerts older than the retention forgotten by this flush. */
  pruned: number
}

/**
 * `alerts flush`, for cron: delivers what is due now, once, and says what is left. A retry not yet due waits for a
 * later flush (or a watch loop): cron's interval then stretches the short steps of the schedule.
 */
export async function flushAlerts(
  ledger: LedgerHandle,
  ctx: AppContext,
  opts: Omit<DeliverOptions, 'dispatcher'> = {},
): Promise<FlushResult> {
  const agent = new Agent()
  let report: DeliveryReport
  try {
    report = await deliverDue(ledger, ctx, {...opts, dispatcher: agent})
  } finally {
    await agent.close()
  }
  const pruned = await ledger.write(() => pruneSettled.ops(new Date(ctx.now() - KEEP_SETTLED_MS).toISOString()))
  const {pending, nextAttemptAt} = await ledger.read(
    (function* () {
      return {pending: yield* pendingDeliveries.ops(), nextAttemptAt: yield* nextDueAt.ops()}
    })(),
  )
  return {
    ...report,
    pending: pending.enabled,
    pendingDisabled: pending.all - pending.enabled,
    nextAttemptAt,
    pruned,
  }
}

/**
 * For cron: 75 when another process was delivering (try later), 78 when a target lacks its secret, 4 when an
 * attempt failed (it is retried by a later flush) or a delivery was given up, else 0.
 */
export function flushExitCode(r: FlushResult): number {
  if (r.busy !== null) return ExitCode.locked
  if (r.blocked.length > 0) return ExitCode.config
  if (r.retrying > 0 || r.gaveUp > 0) return ExitCode.partial
  return ExitCode.ok
}
