/** What yms-pay alerts about (docs/alerts.md lists what each carries in `data`). */
export const ALERT_EVENTS = [
  'failed_transaction',
  'sync_failed',
  'gateway_down',
  'gateway_recovered',
  'reconcile_exceptions',
  'retry_exhausted',
  'access_denied',
  'balance_changed',
] as const

export type AlertEvent = (typeof ALERT_EVENTS)[number]

export function isAlertEvent(name: string): name is AlertEvent {
  return (ALERT_EVENTS as readonly string[]).includes(name)
}

/** One alert, as its cause raises it. */
export interface Alert {
  event: AlertEvent
  /** What it is about, in one id: a transaction, a provider, a run. */
  subject: string
  provider?: string | null
  customer?: string | null
  site?: string | null
  data: Record<string, unknown>
  /** Raising an alert whose dedupKey was raised before changes nothing: the same cause seen twice alerts once. */
  dedupKey?: string
  /** ISO-8601 UTC: when the cause happened (its transaction's commit time). */
  at: string
}
