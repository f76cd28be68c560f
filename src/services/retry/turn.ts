import type {RetryStatus} from '../../core/retry/policy.js'

/** What one chain's turn in a run did (or, in a dry run, would do): the run's summary is made of these. */
export interface RetryTurn {
  retry: number
  /** The failed payment. */
  payment: string
  action:
    | 'sent'
    | 'waited'
    | 'resolved'
    | 'unresolved'
    | 'superseded'
    | 'exhausted'
    | 'error'
    | 'would_send'
    | 'would_resolve'
    | 'would_wait'
  provider: string | null
  route: 'primary' | 'fallback' | null
  /** The retry number (slot) the turn was about. */
  attempt: number | null
  /** What the attempt came to: succeeded, failed, pending, unknown, not_sent. */
  outcome: string | null
  note: string
  /** The chain's status after its turn (a dry run: as it stands). */
  status: RetryStatus | null
}

/** A turn before the chain's resulting status is read. */
export type ChainTurn = Omit<RetryTurn, 'status'>
