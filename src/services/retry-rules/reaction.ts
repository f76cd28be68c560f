import type {Db} from '../../store/db.js'
import {noteDeclineCode} from '../../store/repos/decline-codes.js'
import type {ApplyEvent} from '../sync/apply-event.js'

/**
 * Counts each failed payment's code once, when the payment is first written as failed (or fails again with another
 * code), inside the transaction that writes it: a pull, a webhook, a replay or a retry's outcome, on whichever
 * thread applies it. A re-read of the same failed state writes nothing and so counts nothing.
 */
export function noteDeclineCodes(db: Db, scope: {provider: string}, event: ApplyEvent): void {
  if (event.kind !== 'written') return
  const {txn, previous} = event
  const failure = txn.failure
  if (txn.type !== 'payment' || txn.status !== 'failed' || !failure) return
  if (previous?.status === 'failed' && previous.failure?.code === failure.code) return
  noteDeclineCode(
    db,
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
}
