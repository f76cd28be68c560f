import type {Db} from '../../store/db.js'

/**
 * TEMPORARY: the alerts seam as features-common.md specifies it, so the retry engine compiles before the alerts
 * branch (12b) is merged. The lead drops this commit at merge; 12b's raise.ts replaces it.
 */
export type AlertEvent =
  | 'failed_transaction'
  | 'sync_failed'
  | 'gateway_down'
  | 'gateway_recovered'
  | 'reconcile_exceptions'
  | 'retry_exhausted'
  | 'access_denied'
  | 'balance_changed'

export function raiseAlert(
  _db: Db,
  _alert: {
    event: AlertEvent
    subject: string
    provider?: string | null
    customer?: string | null
    site?: string | null
    data: Record<string, unknown>
    dedupKey?: string
    at: string
  },
): void {
  throw new Error('alerts: not merged')
}
