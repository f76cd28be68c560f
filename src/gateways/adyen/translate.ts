import {fromGatewayMinor} from '../../core/money.js'
import {type FetchedTxn, type Money, type NormalizedTxn, NormalizedTxnSchema, type Quarantined} from '../../core/transaction.js'
import type {PaymentOutcome, WebhookEvent} from '../types.js'
import {classifyRefusal, REFUSAL_REASONS, refusalCodeForReason} from './classify.js'
import {parseMerchantReference} from './reference.js'
import type {NotificationRequestItem, PaymentResponse} from './schema.js'
import {isoSeconds} from './timezone.js'
import {facts} from './facts.js'

/** Who is asking: the provider id (connection name) goes into every NormalizedTxn id. */
export interface TranslateContext {
  providerId: string
  merchantAccount: string
}

type TxnFields = Pick<NormalizedTxn, 'externalId' | 'parentExternalId' | 'type' | 'status' | 'amount' | 'occurredAt'> &
  Partial<Pick<NormalizedTxn, 'fee' | 'net' | 'customerRef' | 'invoiceRef' | 'failure' | 'updatedAt' | 'metadata'>>

/** Fills the defaults and validates: a schema failure becomes a quarantine entry, never a thrown error. */
export function buildTxn(ctx: TranslateContext, f: TxnFields, raw: unknown): {ok: true; item: FetchedTxn} | {ok: false; item: Quarantined} {
  const candidate = {
    id: `${ctx.providerId}:${f.externalId}`,
    provider: ctx.providerId,
    kind: 'adyen' as const,
    externalId: f.externalId,
    parentExternalId: f.parentExternalId,
    type: f.type,
    status: f.status,
    amount: f.amount,
    fee: f.fee ?? null,
    net: f.net ?? null,
    customerRef: f.customerRef ?? null,
    invoiceRef: f.invoiceRef ?? null,
    siteRef: null,
    failure: f.failure ?? null,
    occurredAt: f.occurredAt,
    updatedAt: f.updatedAt ?? f.occurredAt,
    metadata: f.metadata ?? {},
  }
  const parsed = NormalizedTxnSchema.safeParse(candidate)
  if (!parsed.success) {
    const detail = parsed.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; ')
    return {ok: false, item: {externalId: f.externalId || null, reason: 'invalid_payload', detail, raw}}
  }
  return {ok: true, item: {txn: parsed.data, raw}}
}

/** Refusal code -> the failure recorded on a failed payment. */
export function failureFor(code: string | null, message: string): NonNullable<NormalizedTxn['failure']> {
  const known = code ? REFUSAL_REASONS[code] : undefined
  return {code: code ?? message, message: message || known?.reason || 'Refused', decision: classifyRefusal(code ?? message)}
}

function eventTime(value: string): string | null {
  // eventDate is ISO-8601 with an offset (2025-02-24T15:20:56+01:00); anything Date cannot read is invalid.
  if (!/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}/.test(value)) return null
  const ms = Date.parse(value)
  return Number.isNaN(ms) ? null : isoSeconds(ms)
}

type EventMapping =
  | {type: 'payment'; status: NormalizedTxn['status']}
  | {type: 'refund'; status: NormalizedTxn['status']}
  | {type: 'dispute'; status: NormalizedTxn['status']}

/** Dispute states Adyen reports in additionalData.disputeStatus that mean the merchant has lost for good. */
const LOST_DISPUTE_STATUSES = new Set(['lost', 'accepted', 'expired'])

/**
 * eventCode (+ success) -> normalized type and status. AUTHORISATION success=true is `succeeded`: yms-pay's
 * merchant accounts auto-capture (card-on-file retries), so an authorisation is the payment. An account with
 * manual capture would map AUTHORISATION to `authorized` and CAPTURE to `succeeded` — CAPTURE is handled too.
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

/** One verified notification item -> what it means for yms-pay. */
export function translateNotification(ctx: TranslateContext, item: NotificationRequestItem): WebhookEvent {
  const raw = item
  if (item.eventCode === 'REPORT_AVAILABLE') {
    return {kind: 'signal', name: 'report_available', data: {fileName: item.pspReference, url: item.reason ?? ''}}
  }
  if (item.merchantAccountCode !== ctx.merchantAccount) {
    return {
      kind: 'invalid',
      item: {externalId: item.pspReference, reason: 'invalid_payload', detail: `merchantAccountCode "${item.merchantAccountCode}" is not this provider's merchant account`, raw},
    }
  }
  const mapping = mapEvent(item)
  if (!mapping) {
    // Informational events (REQUEST_FOR_INFORMATION, OFFER_CLOSED, …) are recorded, not posted.
    return {kind: 'signal', name: 'adyen_event', data: {eventCode: item.eventCode, pspReference: item.pspReference, success: item.success}}
  }
  const occurredAt = eventTime(item.eventDate)
  if (!occurredAt) return {kind: 'invalid', item: {externalId: item.pspReference, reason: 'invalid_payload', detail: `eventDate "${item.eventDate}" is not an ISO-8601 time`, raw}}
  let amount: Money
  try {
    amount = fromGatewayMinor(item.amount.value, item.amount.currency, facts.wire, 'amount.value')
  } catch (error) {
    return {kind: 'invalid', item: {externalId: item.pspReference, reason: 'unsupported_currency', detail: (error as Error).message, raw}}
  }
  const ref = parseMerchantReference(item.merchantReference)
  const metadata: Record<string, string> = {eventCode: item.eventCode}
  if (item.merchantReference) metadata.merchantReference = item.merchantReference
  if (item.paymentMethod) metadata.paymentMethod = item.paymentMethod

  if (mapping.type === 'payment') {
    // Modifications of a payment (CAPTURE, CANCELLATION) carry the payment in originalReference.
    const isModification = item.eventCode !== 'AUTHORISATION' && item.eventCode !== 'PENDING' && !!item.originalReference
    let failure: NormalizedTxn['failure'] = null
    if (mapping.status === 'failed') {
      const reasonText = item.reason ?? ''
      const code = item.additionalData?.refusalReasonCode ?? refusalCodeForReason(reasonText)
      failure = failureFor(code, reasonText)
    }
    const built = buildTxn(
      ctx,
      {
        externalId: isModification ? item.originalReference! : item.pspReference,
        parentExternalId: null,
        type: 'payment',
        status: mapping.status,
        amount,
        customerRef: item.additionalData?.shopperReference ?? ref?.customerRef ?? null,
        invoiceRef: ref?.invoiceRef ?? null,
        failure,
        occurredAt,
        metadata,
      },
      raw,
    )
    return built.ok ? {kind: 'txn', item: built.item} : {kind: 'invalid', item: built.item}
  }
  if (!item.originalReference) {
    return {kind: 'invalid', item: {externalId: item.pspReference, reason: 'invalid_payload', detail: `${item.eventCode} without originalReference (the payment)`, raw}}
  }
  const built = buildTxn(
    ctx,
    {externalId: item.pspReference, parentExternalId: item.originalReference, type: mapping.type, status: mapping.status, amount, occurredAt, metadata},
    raw,
  )
  return built.ok ? {kind: 'txn', item: built.item} : {kind: 'invalid', item: built.item}
}

/**
 * POST /payments answer -> outcome. Authorised -> succeeded (auto-capture), Refused -> failed with the
 * refusal code's decision, Received/Pending -> pending (the webhook decides), Error/Cancelled/other -> unknown.
 */
export function translatePaymentResponse(
  ctx: TranslateContext,
  res: PaymentResponse,
  req: {amount: Money; customerRef: string; invoiceRef: string | null; reference: string},
  nowIso: string,
): PaymentOutcome {
  const psp = res.pspReference ?? null
  const base = (status: NormalizedTxn['status'], failure: NormalizedTxn['failure']): FetchedTxn | null => {
    if (!psp) return null
    const built = buildTxn(
      ctx,
      {
        externalId: psp,
        parentExternalId: null,
        type: 'payment',
        status,
        amount: req.amount,
        customerRef: req.customerRef,
        invoiceRef: req.invoiceRef,
        failure,
        occurredAt: nowIso,
        metadata: {merchantReference: res.merchantReference ?? req.reference, resultCode: res.resultCode},
      },
      res,
    )
    return built.ok ? built.item : null
  }
  switch (res.resultCode) {
    case 'Authorised':
      return psp ? {status: 'succeeded', externalId: psp, item: base('succeeded', null)} : {status: 'unknown', externalId: null, reason: 'Authorised without a pspReference'}
    case 'Received':
    case 'Pending':
      return psp ? {status: 'pending', externalId: psp, item: base('pending', null)} : {status: 'unknown', externalId: null, reason: `${res.resultCode} without a pspReference`}
    case 'Refused': {
      const failure = failureFor(res.refusalReasonCode ?? null, res.refusalReason ?? '')
      return {status: 'failed', externalId: psp, failure, item: base('failed', failure)}
    }
    default:
      return {status: 'unknown', externalId: psp, reason: `resultCode ${res.resultCode}${res.refusalReason ? `: ${res.refusalReason}` : ''}`}
  }
}
