import {checkedParse} from '../../core/checked-parse.js'
import type {FetchedTxn, Quarantined} from '../../core/transaction.js'
import {describeIssues, EventSchema} from './schema.js'
import {collect, invalidShape, type Translation} from '../translate-kit.js'
import {fitsStripeEvent} from './shapes.js'
import {embeddedRefunds, translateCharge, translateDispute, translateRefund} from './translate.js'

/**
 * Stripe events -> normalized transactions. The event's `data.object` is the object as it was when the event
 * happened; its `created` dates the change (updatedAt).
 */
const CHARGE_LIFECYCLE_EVENTS = [
  'charge.succeeded',
  'charge.pending',
  'charge.failed',
  'charge.captured',
  'charge.expired',
  'charge.updated',
] as const
const REFUND_EVENTS = ['charge.refund.updated', 'refund.created', 'refund.updated', 'refund.failed'] as const
const DISPUTE_EVENTS = [
  'charge.dispute.created',
  'charge.dispute.updated',
  'charge.dispute.closed',
  'charge.dispute.funds_withdrawn',
  'charge.dispute.funds_reinstated',
] as const

/**
 * The types the pull asks for (`types[]`, at most 20). `payment_intent.*` is left out: every PaymentIntent
 * outcome also produces a `charge.*` event, and the PaymentIntent only names its charge.
 */
export const PULLED_EVENT_TYPES: readonly string[] = [
  ...CHARGE_LIFECYCLE_EVENTS,
  'charge.refunded',
  ...REFUND_EVENTS,
  ...DISPUTE_EVENTS,
]

export interface EventTranslation {
  eventId: string | null
  type: string | null
  items: FetchedTxn[]
  invalid: Quarantined[]
  /**
   * Charges to re-read with their balance transaction expanded: an event carries the charge with
   * `balance_transaction` as a bare id, so the fee is only known by reading the charge itself.
   */
  refetch: string[]
  /** Set when the event is about payments but carries nothing to post (a PaymentIntent naming its charge by id). */
  signal: {name: string; data: Record<string, string>} | null
}

export function translateEvent(raw: unknown, provider: string): EventTranslation {
  const out: EventTranslation = {eventId: null, type: null, items: [], invalid: [], refetch: [], signal: null}
  const parsed = checkedParse(EventSchema, fitsStripeEvent, raw)
  if (!parsed.success) {
    collect(invalidShape(raw, 'event', describeIssues(parsed.error)), out)
    return out
  }
  const event = parsed.data
  out.eventId = event.id
  out.type = event.type
  const ctx = {provider, seenAt: event.created}
  const object = event.data.object
  const add = (t: Translation): Translation => collect(t, out)
  const addCharge = (charge: unknown): void => {
    const t = add(translateCharge(charge, ctx))
    if (t.ok && t.item.txn.status !== 'failed' && t.item.txn.fee === null) out.refetch.push(t.item.txn.externalId)
  }
  const type = event.type
  if ((CHARGE_LIFECYCLE_EVENTS as readonly string[]).includes(type)) addCharge(object)
  else if (type === 'charge.refunded') {
    // The refund itself arrives as refund.created; older API versions embed the refunds in the charge.
    for (const refund of embeddedRefunds(object)) add(translateRefund(refund, ctx))
  } else if ((REFUND_EVENTS as readonly string[]).includes(type)) add(translateRefund(object, ctx))
  else if ((DISPUTE_EVENTS as readonly string[]).includes(type)) add(translateDispute(object, ctx))
  else if (type.startsWith('payment_intent.')) {
    const latest = object.latest_charge
    if (typeof latest === 'object' && latest !== null) addCharge(latest)
    else {
      const data: Record<string, string> = {payment_intent: String(object.id ?? '')}
      if (typeof latest === 'string') data.charge = latest
      out.signal = {name: type, data}
    }
  } else out.signal = {name: type, data: {object: String(object.id ?? '')}}
  return out
}
