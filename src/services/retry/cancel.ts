import type {AppContext} from '../../app/context.js'
import {UsageError} from '../../core/errors.js'
import {isOpen} from '../../core/retry/policy.js'
import {dual} from '../../store/ops/dual.js'
import {now, type Ops, write} from '../../store/ops/op.js'
import {finishRetry, getRetry} from '../../store/repos/retries.js'
import {unsettledAttempt} from '../../store/repos/retries-attempts.js'
import {appendAudit} from '../audit.js'
import {requireRetry, toRetryView, type RetryView} from './views.js'

/**
 * `retry cancel <id>`: no further retry of this payment. Audited with who canceled it. An attempt already sent
 * whose outcome is not known cannot be taken back: if it turns out to have charged the customer, the chain still
 * records the recovery, and the warning says so.
 */
export const cancelRetry = dual(function* cancelRetry(ctx: AppContext, id: number): Ops<RetryView> {
  const chain = yield* requireRetry.ops(id)
  if (!isOpen(chain.status))
    throw new UsageError(`retry ${id} has already ended (${chain.status}): ${chain.note}`, undefined, 'retry_finished')
  const open = yield* unsettledAttempt.ops(id)
  yield* write(
    (function* () {
      const at = yield* now()
      if (!(yield* finishRetry.ops(id, {status: 'canceled', note: `canceled by ${ctx.actor}`, now: at})))
        throw new UsageError(`retry ${id} ended while it was being canceled`, undefined, 'retry_finished')
      yield* appendAudit.ops({
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
    })(),
  )
  if (open)
    ctx.warn(
      `retry ${open.slot} of this payment, sent to ${open.provider}, has no known outcome yet (${open.status}); if it charged the customer, the next sync records it and this chain shows it as recovered`,
    )
  return yield* toRetryView.ops((yield* getRetry.ops(id))!)
})
