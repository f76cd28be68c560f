import type {AppContext} from '../../app/context.js'
import {UsageError} from '../../core/errors.js'
import {isOpen} from '../../core/retry/policy.js'
import type {Db} from '../../store/db.js'
import {finishRetry, getRetry} from '../../store/repos/retries.js'
import {unsettledAttempt} from '../../store/repos/retries-attempts.js'
import {appendAudit} from '../audit.js'
import {requireRetry, toRetryView, type RetryView} from './views.js'

/**
 * `retry cancel <id>`: no further retry of this payment. Audited with who canceled it. An attempt already sent
 * whose outcome is not known cannot be taken back: if it turns out to have charged the customer, the chain still
 * records the recovery, and the warning says so.
 */
export function cancelRetry(db: Db, ctx: AppContext, id: number): RetryView {
  const chain = requireRetry(db, id)
  if (!isOpen(chain.status))
    throw new UsageError(`retry ${id} has already ended (${chain.status}): ${chain.note}`, undefined, 'retry_finished')
  const open = unsettledAttempt(db, id)
  db.write(() => {
    const now = db.now()
    if (!finishRetry(db, id, {status: 'canceled', note: `canceled by ${ctx.actor}`, now}))
      throw new UsageError(`retry ${id} ended while it was being canceled`, undefined, 'retry_finished')
    appendAudit(db, {
      actor: ctx.actor,
      action: 'retry.cancel',
      provider: chain.provider,
      subject: chain.txnId,
      outcome: 'ok',
      details: {
        retry: id,
        attempts: chain.slotsUsed,
        unsettled: open ? {attempt: open.slot, status: open.status} : null,
      },
    })
  })
  if (open)
    ctx.warn(
      `retry ${open.slot} of this payment, sent to ${open.provider}, has no known outcome yet (${open.status}); if it charged the customer, the next sync records it and this chain shows it as recovered`,
    )
  return toRetryView(db, getRetry(db, id)!)
}
