import type {NormalizedTxn, QuarantineReason} from '../../core/transaction.js'
import type {Ops} from '../../store/ops/op.js'
import type {Owner} from '../../store/repos/customers.js'
import type {OncePerApply} from './once-per-apply.js'
import type {ApplyScope} from './scope.js'

/**
 * What happened to one transaction while a page, a webhook or a replay was applied. Reactions that must commit
 * together with their cause (an alert in the outbox, a failed payment entering the retry queue) receive these inside
 * the same write transaction, on whichever thread applies the page (reactions.ts lists them).
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
      /** Reads shared by every event of this page (once-per-apply.ts). */
      once: OncePerApply
      /**
       * The transactions this apply was given (a page, a delivery), the same array for each of its events: a
       * reaction may read for them all at once (with `once`) what it would otherwise ask per transaction.
       */
      batch: readonly NormalizedTxn[]
    }
  | {
      kind: 'held'
      txn: NormalizedTxn
      reason: QuarantineReason
      detail: string
      /** For access_denied: the customer (and their segment and site) the provider may not write. */
      denied?: Owner
      now: string
      once: OncePerApply
    }

/** A reaction's statements (its dual's `.ops`), run in the apply's transaction on either engine. */
export type ApplyReaction = (scope: ApplyScope, event: ApplyEvent) => Ops<void>
