import {randomBytes} from 'node:crypto'

import type {Db} from '../../store/db.js'
import {targetsFor} from '../../store/repos/alerts.js'
import {insertDeliveries, insertOutbox} from '../../store/repos/alerts-outbox.js'
import type {Alert, AlertEvent} from './events.js'

export type {Alert, AlertEvent} from './events.js'

/**
 * Puts an alert in the outbox with one delivery per enabled target that takes its event. Synchronous and inside the
 * caller's write transaction (a savepoint when one is open), so the alert commits with its cause or not at all:
 * an alert is never lost to a crash between the two, nor sent for a change that rolled back. With no target for the
 * event nothing is written. A dedupKey raised before makes this a no-op.
 */
export function raiseAlert(db: Db, alert: Alert): void {
  const targets = targetsFor(db, alert.event)
  if (targets.length === 0) return
  db.write(() => {
    const orderKey = orderKeyOf(alert)
    const seq = insertOutbox(db, {
      messageId: `msg_${randomBytes(18).toString('base64url')}`,
      event: alert.event,
      subject: alert.subject,
      provider: alert.provider ?? null,
      customer: alert.customer ?? null,
      site: alert.site ?? null,
      orderKey,
      dedupKey: alert.dedupKey ?? null,
      payload: payloadOf(alert),
      raisedAt: alert.at,
    })
    if (seq !== null) insertDeliveries(db, seq, targets, orderKey, alert.at)
  })
}

/** Whether any enabled target takes the event: lets a cause skip building an alert nobody would receive. */
export function alertWanted(db: Db, event: AlertEvent): boolean {
  return targetsFor(db, event).length > 0
}

/**
 * What deliveries are ordered by: a customer's alerts reach a receiver in the order they were raised (a balance
 * never goes back to an older figure), and so do a provider's (down before recovered).
 */
function orderKeyOf(alert: Alert): string {
  if (alert.customer) return `customer:${alert.customer}`
  if (alert.provider) return `provider:${alert.provider}`
  return `subject:${alert.subject}`
}

/** The body a `standard` target receives, the shape most Standard Webhooks senders use (docs/alerts.md#payload). */
function payloadOf(alert: Alert): string {
  const about: Record<string, string> = {subject: alert.subject}
  if (alert.provider) about.provider = alert.provider
  if (alert.customer) about.customer = alert.customer
  if (alert.site) about.site = alert.site
  return JSON.stringify({type: alert.event, timestamp: alert.at, data: {...about, ...alert.data}})
}
