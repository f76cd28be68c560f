import type {Money, NormalizedTxn} from '../../core/transaction.js'
import {buildTxn, Refusal, type Translation, type TxnFields, wireMoney} from '../translate-kit.js'
import type {WebhookEvent} from '../types.js'
import {refusalCodeForReason, refusalFailure} from './classify.js'
import {facts} from './facts.js'
import {paymentParties} from './reference.js'
import type {NotificationRequestItem, PaymentResponse} from './schema.js'
import {isoSeconds} from './timezone.js'

/**
 * Pure translation of Adyen's objects into NormalizedTxn (conventions in src/core/transaction.ts): a webhook
 * notification item, and the payment a POST /payments answer names. Settlement report rows: report.ts.
 */
export interface TranslateContext {
  /** The provider id (connection name): NormalizedTxn.id is `${provider}:${externalId}`. */
  provider: string
  /** Notifications name their merchant account; another account's are not this provider's. */
  merchantAccount: string
}

/** buildTxn for this provider: a Refusal thrown by `build` quarantines `raw` under `externalId`. */
export function adyenTxn(
  ctx: TranslateContext,
  raw: unknown,
  externalId: string | null,
  build: () => TxnFields,
): Translation {
  return buildTxn({provider: ctx.provider, kind: facts.kind}, raw, externalId, build)
}

type EventMapping = {type: 'payment' | 'refund' | 'dispute'; status: NormalizedTxn['status']}

/** Dispute states Adyen reports in additionalData.disputeStatus that mean the merchant has lost for good. */
const LOST_DISPUTE_STATUSES = new Set(['lost', 'accepted', 'expired'])

/**
 * eventCode (+ success) -> normalized type and status (docs/gateways.md#adyen-statuses). AUTHORISATION
 * success=true is `succeeded`: yms-pay's merchant accounts auto-capture (card-on-file retries), so an
 * authorisation is the payment. An account with manual capture would map AUTHORISATION to `authorized` and
 * CAPTURE to `succeeded` — CAPTURE is handled too.
 */
function mapEvent(item: NotificationRequestItem): EventMapping | null {
  const ok = item.success === 'true'
  switch (item.eventCode) {
    case 'AUTHORISATION':
      return {type: 'payment', status: ok ? 'succeeded' : 'failed'}
    case 'PENDING':
      return ok ? {type: 'payment', status: 'pending'} : null
    case 'CAPTURE':
      return {type: 'payment', status: ok ? 'succeeded' : 'failed'}
    case 'CAPTURE_FAILED':
      return {type: 'payment', status: 'failed'}
    case 'CANCELLATION':
      return ok ? {type: 'payment', status: 'canceled'} : null
    case 'REFUND':
      return {type: 'refund', status: ok ? 'succeeded' : 'failed'}
    case 'REFUND_FAILED':
    case 'REFUNDED_REVERSED':
      return {type: 'refund', status: 'failed'}
    case 'NOTIFICATION_OF_CHARGEBACK':
      return {type: 'dispute', status: 'disputed'}
    case 'CHARGEBACK': {
      const state = item.additionalData?.disputeStatus?.toLowerCase()
      return {type: 'dispute', status: state && LOST_DISPUTE_STATUSES.has(state) ? 'lost' : 'disputed'}
    }
    case 'CHARGEBACK_REVERSED':
    case 'PREARBITRATION_WON':
      return {type: 'dispute', status: 'won'}
    case 'SECOND_CHARGEBACK':
    case 'PREARBITRATION_LOST':
    case 'DISPUTE_DEFENSE_PERIOD_ENDED':
      return {type: 'dispute', status: 'lost'}
    default:
      return null
  }
}

/** One verified notification item -> what it means for yms-pay (docs/gateways.md#adyen-webhooks). */
export function translateNotification(ctx: TranslateContext, item: NotificationRequestItem): WebhookEvent {
  // The report is read from the report host (fetch-report.ts): the notification only names it.
  if (item.eventCode === 'REPORT_AVAILABLE') return {kind: 'fetch', ref: {object: 'report', id: item.pspReference}}
  if (item.merchantAccountCode !== ctx.merchantAccount) {
    const detail = `merchantAccountCode "${item.merchantAccountCode}" is not this provider's merchant account`
    return {kind: 'invalid', item: {externalId: item.pspReference, reason: 'invalid_payload', detail, raw: item}}
  }
  const mapping = mapEvent(item)
  if (!mapping) {
    // Informational events (REQUEST_FOR_INFORMATION, OFFER_CLOSED, …) are recorded, not posted.
    return {
      kind: 'signal',
      name: 'adyen_event',
      data: {eventCode: item.eventCode, pspReference: item.pspReference, success: item.success},
    }
  }
  const t = adyenTxn(ctx, item, item.pspReference, () => notificationFields(item, mapping))
  return t.ok ? {kind: 'txn', item: t.item} : {kind: 'invalid', item: t.item}
}

function notificationFields(item: NotificationRequestItem, mapping: EventMapping): TxnFields {
  const occurredAt = eventTime(item.eventDate)
  const amount = notificationAmount(item)
  const metadata: Record<string, string> = {eventCode: item.eventCode}
  if (item.merchantReference) metadata.merchantReference = item.merchantReference
  if (item.paymentMethod) metadata.paymentMethod = item.paymentMethod
  if (mapping.type === 'payment') {
    // shopperReference comes with the webhook's shopper-details setting (docs/gateways.md#adyen-webhooks).
    const parties = paymentParties(item.additionalData?.shopperReference ?? null, item.merchantReference ?? null)
    // Modifications of a payment (CAPTURE, CANCELLATION) carry the payment in originalReference.
    const isModification =
      item.eventCode !== 'AUTHORISATION' && item.eventCode !== 'PENDING' && !!item.originalReference
    return {
      externalId: isModification ? item.originalReference! : item.pspReference,
      parentExternalId: null,
      type: 'payment',
      status: mapping.status,
      amount,
      customerRef: parties.customerRef,
      invoiceRef: parties.invoiceRef,
      failure: mapping.status === 'failed' ? notificationRefusal(item) : null,
      occurredAt,
      metadata,
    }
  }
  if (!item.originalReference)
    throw new Refusal('invalid_payload', `${item.eventCode} without originalReference (the payment)`)
  return {
    externalId: item.pspReference,
    parentExternalId: item.originalReference,
    type: mapping.type,
    status: mapping.status,
    amount,
    occurredAt,
    metadata,
  }
}

/** Webhooks carry the refusal text in `reason`; the code only sometimes, in additionalData. */
function notificationRefusal(item: NotificationRequestItem): NormalizedTxn['failure'] {
  const reasonText = item.reason ?? ''
  const extra = item.additionalData
  return refusalFailure(extra?.refusalReasonCode ?? refusalCodeForReason(reasonText), reasonText, {
    raw: extra?.refusalReasonRaw,
    merchantAdviceCode: extra?.merchantAdviceCode,
    brand: item.paymentMethod,
  })
}

function eventTime(value: string): string {
  // eventDate is ISO-8601 with an offset (2025-02-24T15:20:56+01:00); anything Date cannot read is refused.
  const ms = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}/.test(value) ? Date.parse(value) : Number.NaN
  if (Number.isNaN(ms)) throw new Refusal('invalid_payload', `eventDate "${value}" is not an ISO-8601 time`)
  return isoSeconds(ms)
}

/**
 * The item's amount in Adyen's exponent (docs/gateways.md#adyen-amounts). One it cannot be held in ISO minor
 * units (CLP with cents, which Adyen's two-decimal CLP can send) is quarantined as a currency problem, as an
 * unknown code is: the fix is the same, in the currency set-up, not in the payload.
 */
function notificationAmount(item: NotificationRequestItem): Money {
  try {
    return wireMoney(item.amount.value, item.amount.currency, facts.wire, 'amount.value')
  } catch (error) {
    if (error instanceof Refusal) throw new Refusal('unsupported_currency', error.detail)
    throw error
  }
}

/** What yms-pay sent in a POST /payments, to fill what Adyen's answer does not repeat. */
export interface SentPayment {
  amount: Money
  customerRef: string
  invoiceRef: string | null
  /** The merchant reference (reference.ts). */
  reference: string
  /** When the answer came: the payment's occurredAt until a webhook dates it. */
  at: string
}

/** The payment a POST /payments answer names by its pspReference, in the state that answer gives. */
export function translateCreatedPayment(
  ctx: TranslateContext,
  res: PaymentResponse,
  pspReference: string,
  sent: SentPayment,
  outcome: Pick<NormalizedTxn, 'status' | 'failure'>,
): Translation {
  return adyenTxn(ctx, res, pspReference, () => ({
    externalId: pspReference,
    parentExternalId: null,
    type: 'payment',
    status: outcome.status,
    amount: sent.amount,
    customerRef: sent.customerRef,
    invoiceRef: sent.invoiceRef,
    failure: outcome.failure,
    occurredAt: sent.at,
    metadata: {merchantReference: res.merchantReference ?? sent.reference, resultCode: res.resultCode},
  }))
}
