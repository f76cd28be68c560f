import {randomBytes} from 'node:crypto'

import type {Db} from '../../store/db.js'
import type {Dual} from '../../store/ops/dual.js'
import type {Ops} from '../../store/ops/op.js'
import {runSync} from '../../store/ops/run-sync.js'
import {targetsFor} from '../../store/repos/alerts.js'
import {insertDeliveries, insertOutbox} from '../../store/repos/alerts-outbox.js'
import type {Alert} from './events.js'

export type {Alert, AlertEvent} from './events.js'

/**
 * Puts an alert in the outbox with one delivery per enabled target that takes its event. Synchronous and inside the
 * caller's write transaction, so the alert commits with its cause or not at all: an alert is never lost to a crash
 * between the two, nor sent for a change that rolled back (called outside one, it opens its own). With no target for
 * the event nothing is written. A dedupKey raised before makes this a no-op.
 */
export const raiseAlert: Dual<[alert: Alert], void> = Object.assign(
  (db: Db, alert: Alert): void => inTransaction(db, raiseAlert.ops(alert)),
  {
    *ops(alert: Alert): Ops<void> {
      yield* raiseAlertTo.ops(yield* targetsFor.ops(alert.event), alert)
    },
  },
)

/** raiseAlert for targets the caller has looked up already (targetsFor): the apply path asks once per event. */
export const raiseAlertTo: Dual<[targets: readonly string[], alert: Alert], void> = Object.assign(
  (db: Db, targets: readonly string[], alert: Alert): void => {
    if (targets.length > 0) inTransaction(db, raiseAlertTo.ops(targets, alert))
  },
  {
    *ops(targets: readonly string[], alert: Alert): Ops<void> {
      if (targets.length === 0) return
      const orderKey = orderKeyOf(alert)
      const seq = yield* insertOutbox.ops({
        messageId: nextMessageId(),
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
      if (seq !== null) yield* insertDeliveries.ops(seq, targets, orderKey, alert.at)
    },
  },
)

/**
 * On a Db: inside the caller's transaction (the usual case) the inserts need no savepoint of their own; outside one,
 * they get their own. Through a LedgerHandle, `.ops` runs in the handle's transaction.
 */
function inTransaction(db: Db, body: Ops<void>): void {
  if (db.raw.inTransaction) runSync(db, body)
  else db.write(() => runSync(db, body))
}

// A webhook-id never seen before: 128 random bits per process (or page-writer thread), then a counter. Random rather
// than the outbox seq: a ledger restored from a backup reuses seqs, and a receiver would drop those as duplicates.
const ID_PREFIX = `msg_${randomBytes(16).toString('base64url')}`
let idCounter = 0

function nextMessageId(): string {
  return `${ID_PREFIX}${(idCounter++).toString(36)}`
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
