import type {NormalizedTxn, QuarantineReason} from '../../core/transaction.js'
import type {Db} from '../../store/db.js'
import type {Owner} from '../../store/repos/customers.js'
import {retryReaction} from '../retry/reaction.js'
import type {ApplyScope} from './scope.js'

/**
 * What happened to one transaction while a page, a webhook or a replay was applied. Reactions that must commit
 * together with their cause (an alert in the outbox, a failed payment entering the retry queue) receive these inside
 * the same write transaction, on whichever thread applies the page.
 */
export type ApplyEvent =
  | {
      kind: 'written'
      txn: NormalizedTxn
      /** The state stored before this one; null for a transaction seen for the first time. */
      previous: NormalizedTxn | null
      owner: Owner | null
      /** Ledger lines this state posted (0: nothing moved). */
      posted: number
      now: string
    }
  | {
      kind: 'held'
      txn: NormalizedTxn
      reason: QuarantineReason
      detail: string
      now: string
    }

export type ApplyReaction = (db: Db, scope: ApplyScope, event: ApplyEvent) => void

/**
 * Every reaction, one line per feature. A module list rather than a scope field: the page writer thread builds its
 * own scope from cloned data, and functions do not cross threads.
 */
const REACTIONS: readonly ApplyReaction[] = [
  retryReaction, // a failed payment worth retrying enters the queue; a retry's own payment settles its attempt
]

/** Runs every reaction in order; a reaction that throws rolls the whole page back, as any apply error does. */
export function react(db: Db, scope: ApplyScope, event: ApplyEvent, reactions = REACTIONS): void {
  for (const reaction of reactions) reaction(db, scope, event)
}
