import {dual} from '../../store/ops/dual.js'
import type {Ops} from '../../store/ops/op.js'
import {noteDeclineCode} from '../../store/repos/decline-codes.js'
import type {ApplyEvent} from '../sync/apply-event.js'

/**
 * Counts each failed payment's code once, when the payment is first written as failed (or fails again with another
 * code), inside the transaction that writes it: a pull, a webhook, a replay or a retry's outcome, on whichever
 * thread applies it. A re-read of the same failed state writes nothing and so counts nothing.
 */
export const noteDeclineCodes = dual(function* noteDeclineCodes(
  scope: {provider: string},
  event: ApplyEvent,
): Ops<void> {
  if (event.kind !== 'written') return
  const {txn, previous} = event
  const failure = txn.failure
  if (txn.type !== 'payment' || txn.status !== 'failed' || !failure) return
  if (previous?.status === 'failed' && previous.failure?.code === failure.code) return
  yield* noteDeclineCode.ops(
    {
      provider: scope.provider,
      kind: txn.kind,
      code: failure.code,
      basis: failure.basis ?? 'table',
      decision: failure.decision,
      message: failure.message,
      txnId: txn.id,
    },
    event.now,
  )
})
