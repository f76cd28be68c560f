import type {Money, NormalizedTxn} from '../../core/transaction.js'
import {
  buildTxn,
  decimalMoney,
  describeIssues,
  invalidShape,
  Refusal,
  type Translation,
  type TxnFields,
} from '../translate-kit.js'
import {paypalDecision} from './classify.js'
import {
  CaptureSchema,
  type DisputeDetail,
  DisputeDetailSchema,
  type PaypalMoney,
  RefundSchema,
  TransactionDetailSchema,
} from './schema.js'
import {paypalTimeToIso} from './time.js'
import {facts} from './facts.js'

/**
 * Pure translation of PayPal objects into NormalizedTxn (conventions in core/transaction.ts;
 * docs/gateways.md#paypal-statuses and #paypal-amounts):
 *
 * Transaction search rows (`transaction_details[]`):
 * - `T00xx` (payments received; T0006 = checkout) -> payment. `transaction_status` D failed, P pending,
 *   S succeeded, and V succeeded too: V means "a successful transaction was reversed and funds were refunded to
 *   the sender", and by the convention a payment's status is its own lifecycle; the refund/reversal arrives as
 *   its own row (T1107) pointing at the payment, so mapping V to anything else would count the refund twice.
 * - `T1107` (refund) -> refund, parent = `paypal_reference_id`. D failed, P pending, S succeeded, V canceled.
 * - `T12xx` (chargebacks, holds and their reversals) are skipped: the disputes API is the source of disputes
 *   (it has the outcome); translating both would post every dispute twice.
 * - Any other event code is quarantined (invalid_payload), so it is seen rather than silently dropped.
 * - Amounts are signed decimal strings (refunds and fees negative): `amount` and `fee` are absolute values.
 * - A denied payment carries no reason in the search API: failure code `PAYMENT_DENIED` (terminal).
 * Disputes (`/v1/customer/disputes/{id}`): RESOLVED with a seller-favour outcome -> won, buyer-favour -> lost,
 * any other status -> disputed; parent = disputed_transactions[0].seller_transaction_id.
 */
export interface TranslateContext {
  /** The provider id (connection name): NormalizedTxn.id is `${provider}:${externalId}`. */
  provider: string
}

/** A search row is translated, quarantined, or skipped on purpose (chargeback movements). */
export type RowTranslation = Translation | {skip: string}

type Status = NormalizedTxn['status']
type Failure = NonNullable<NormalizedTxn['failure']>

const PAYMENT_STATUS: Record<string, Status> = {D: 'failed', P: 'pending', S: 'succeeded', V: 'succeeded'}
const REFUND_STATUS: Record<string, Status> = {D: 'failed', P: 'pending', S: 'succeeded', V: 'canceled'}

/** Dispute outcomes (customer_disputes_v1 `outcome_code`) from the merchant's side. */
export const DISPUTE_OUTCOMES: Readonly<Record<string, 'won' | 'lost'>> = {
  RESOLVED_SELLER_FAVOUR: 'won',
  CANCELED_BY_BUYER: 'won',
  DENIED: 'won',
  RESOLVED_BUYER_FAVOUR: 'lost',
  RESOLVED_WITH_PAYOUT: 'lost',
  ACCEPTED: 'lost',
}

export const DENIED_FAILURE_CODE = 'PAYMENT_DENIED'

/** Absolute ISO-minor money: PayPal signs values by direction, which the transaction type already says. */
function money(m: PaypalMoney, field: string): Money {
  const parsed = decimalMoney(m.value, m.currency_code, facts.wire, `${field}.value`)
  return {minor: Math.abs(parsed.minor), currency: parsed.currency}
}

function time(value: string, field: string): string {
  const iso = paypalTimeToIso(value)
  if (iso === null)
    throw new Refusal('invalid_payload', `${field}: ${JSON.stringify(value)} is not an RFC 3339 timestamp`)
  return iso
}

const finish = (ctx: TranslateContext, raw: unknown, externalId: string, build: () => TxnFields): Translation =>
  buildTxn({provider: ctx.provider, kind: facts.kind}, raw, externalId, build)

/** The string at `path` inside a raw object, or null: search rows and disputes nest their id. */
function idAt(raw: unknown, ...path: string[]): string | null {
  let v: unknown = raw
  for (const p of path) v = v && typeof v === 'object' ? (v as Record<string, unknown>)[p] : undefined
  return typeof v === 'string' && v.length > 0 ? v : null
}

function compact(entries: Record<string, string | undefined>): Record<string, string> {
  const out: Record<string, string> = {}
  for (const [k, v] of Object.entries(entries)) if (v !== undefined && v !== '') out[k] = v
  return out
}

/** One row of `GET /v1/reporting/transactions`. */
export function translateTransaction(raw: unknown, ctx: TranslateContext): RowTranslation {
  const parsed = TransactionDetailSchema.safeParse(raw)
  if (!parsed.success)
    return invalidShape(
      raw,
      'transaction',
      describeIssues(parsed.error),
      idAt(raw, 'transaction_info', 'transaction_id'),
    )
  const info = parsed.data.transaction_info
  const code = info.transaction_event_code
  if (code.startsWith('T12'))
    return {skip: `${code} is a chargeback movement; disputes come from /v1/customer/disputes`}
  return finish(ctx, raw, info.transaction_id, () => {
    const type = code.startsWith('T00') ? 'payment' : code === 'T1107' ? 'refund' : null
    if (type === null)
      throw new Refusal(
        'invalid_payload',
        `transaction_info.transaction_event_code: ${code} is not an event code yms-pay translates`,
      )
    const status = (type === 'payment' ? PAYMENT_STATUS : REFUND_STATUS)[info.transaction_status]
    if (!status)
      throw new Refusal(
        'invalid_payload',
        `transaction_info.transaction_status: unknown status ${JSON.stringify(info.transaction_status)}`,
      )
    const amount = money(info.transaction_amount, 'transaction_info.transaction_amount')
    const occurredAt = time(info.transaction_initiation_date, 'transaction_info.transaction_initiation_date')
    const updatedAt = info.transaction_updated_date
      ? time(info.transaction_updated_date, 'transaction_info.transaction_updated_date')
      : occurredAt
    let parent: string | null = null
    let fee: Money | null = null
    if (type === 'refund') {
      parent = info.paypal_reference_id ?? null
      if (!parent)
        throw new Refusal(
          'invalid_payload',
          'transaction_info.paypal_reference_id: a refund must name the payment it refunds',
        )
    } else if (info.fee_amount) {
      fee = money(info.fee_amount, 'transaction_info.fee_amount')
      if (fee.currency !== amount.currency)
        throw new Refusal(
          'invalid_payload',
          'transaction_info.fee_amount: currency differs from the transaction amount',
        )
    }
    const failure: Failure | null =
      type === 'payment' && status === 'failed'
        ? {
            code: DENIED_FAILURE_CODE,
            message: 'PayPal denied the transaction (status D); the transaction search does not say why',
            decision: paypalDecision(DENIED_FAILURE_CODE),
          }
        : null
    return {
      externalId: info.transaction_id,
      parentExternalId: parent,
      type,
      status,
      amount,
      fee,
      net: fee ? {minor: amount.minor - fee.minor, currency: amount.currency} : null,
      customerRef: parsed.data.payer_info?.account_id ?? null,
      invoiceRef: info.invoice_id ?? null,
      failure,
      occurredAt,
      updatedAt,
      metadata: compact({
        event_code: code,
        transaction_status: info.transaction_status,
        custom_field: info.custom_field,
        fee_amount: type === 'refund' ? info.fee_amount?.value : undefined,
      }),
    }
  })
}

/** A dispute's detail (`GET /v1/customer/disputes/{id}`, or a CUSTOMER.DISPUTE.* webhook resource). */
export function translateDispute(raw: unknown, ctx: TranslateContext): Translation {
  const parsed = DisputeDetailSchema.safeParse(raw)
  if (!parsed.success) return invalidShape(raw, 'dispute', describeIssues(parsed.error), idAt(raw, 'dispute_id'))
  const d: DisputeDetail = parsed.data
  return finish(ctx, raw, d.dispute_id, () => {
    const first = d.disputed_transactions[0]!
    return {
      externalId: d.dispute_id,
      parentExternalId: first.seller_transaction_id,
      type: 'dispute',
      status: disputeStatus(d),
      amount: money(d.dispute_amount, 'dispute_amount'),
      invoiceRef: first.invoice_number ?? null,
      occurredAt: time(d.create_time, 'create_time'),
      updatedAt: time(d.update_time, 'update_time'),
      metadata: compact({
        dispute_status: d.status,
        reason: d.reason,
        outcome_code: d.dispute_outcome?.outcome_code,
        life_cycle_stage: d.dispute_life_cycle_stage,
      }),
    }
  })
}

function disputeStatus(d: DisputeDetail): Status {
  if (d.status !== 'RESOLVED') return 'disputed'
  const outcome = d.dispute_outcome?.outcome_code
  const mapped = outcome ? DISPUTE_OUTCOMES[outcome] : undefined
  if (!mapped)
    throw new Refusal(
      'invalid_payload',
      `dispute_outcome.outcome_code: a RESOLVED dispute with outcome ${JSON.stringify(outcome ?? null)} cannot be read as won or lost`,
    )
  return mapped
}

const CAPTURE_STATUS: Record<string, Status> = {
  COMPLETED: 'succeeded',
  PENDING: 'pending',
  DECLINED: 'failed',
  FAILED: 'failed',
  // A capture's own lifecycle ended in success; its refunds are their own transactions.
  REFUNDED: 'succeeded',
  PARTIALLY_REFUNDED: 'succeeded',
}

/**
 * A capture (Orders v2 response, PAYMENT.CAPTURE.* webhooks) -> payment. A capture names no payer, so
 * `customerRef` is `payerId` when the caller knows it (createPayment: the order's payer) and null otherwise.
 */
export function translateCapture(raw: unknown, ctx: TranslateContext, payerId: string | null = null): Translation {
  const parsed = CaptureSchema.safeParse(raw)
  if (!parsed.success) return invalidShape(raw, 'capture', describeIssues(parsed.error))
  const c = parsed.data
  return finish(ctx, raw, c.id, () => {
    const status = CAPTURE_STATUS[c.status] as Status
    const amount = money(c.amount, 'amount')
    const feeRaw = c.seller_receivable_breakdown?.paypal_fee
    const fee = feeRaw ? money(feeRaw, 'seller_receivable_breakdown.paypal_fee') : null
    const occurredAt = time(c.create_time, 'create_time')
    const reason = c.status_details?.reason
    const failure: Failure | null =
      status === 'failed'
        ? {
            code: reason ?? DENIED_FAILURE_CODE,
            message: `PayPal capture ${c.status}${reason ? ` (${reason})` : ''}`,
            decision: paypalDecision(reason ?? DENIED_FAILURE_CODE),
          }
        : null
    return {
      externalId: c.id,
      parentExternalId: null,
      type: 'payment',
      status,
      amount,
      fee,
      net:
        fee && fee.currency === amount.currency ? {minor: amount.minor - fee.minor, currency: amount.currency} : null,
      customerRef: payerId,
      invoiceRef: c.invoice_id ?? null,
      failure,
      occurredAt,
      updatedAt: c.update_time ? time(c.update_time, 'update_time') : occurredAt,
      metadata: compact({capture_status: c.status, custom_id: c.custom_id, status_reason: reason}),
    }
  })
}

const WEBHOOK_REFUND_STATUS: Record<string, Status> = {
  COMPLETED: 'succeeded',
  PENDING: 'pending',
  FAILED: 'failed',
  CANCELLED: 'canceled',
}

/** The capture id in a refund's `up` link (`…/v2/payments/captures/{id}`). */
export function refundedCaptureId(links: readonly {href: string; rel: string}[]): string | null {
  for (const link of links) {
    if (link.rel !== 'up') continue
    const m = /\/captures\/([^/?#]+)/.exec(link.href)
    if (m) return decodeURIComponent(m[1]!)
  }
  return null
}

/** A refund resource (PAYMENT.CAPTURE.REFUNDED / REVERSED webhooks) -> refund of the capture its `up` link names. */
export function translateRefundResource(raw: unknown, ctx: TranslateContext): Translation {
  const parsed = RefundSchema.safeParse(raw)
  if (!parsed.success) return invalidShape(raw, 'refund', describeIssues(parsed.error))
  const r = parsed.data
  return finish(ctx, raw, r.id, () => {
    const parent = refundedCaptureId(r.links)
    if (!parent) throw new Refusal('invalid_payload', 'links: no "up" link to the refunded capture')
    const occurredAt = time(r.create_time, 'create_time')
    return {
      externalId: r.id,
      parentExternalId: parent,
      type: 'refund',
      status: WEBHOOK_REFUND_STATUS[r.status] as Status,
      amount: money(r.amount, 'amount'),
      invoiceRef: r.invoice_id ?? null,
      occurredAt,
      updatedAt: r.update_time ? time(r.update_time, 'update_time') : occurredAt,
      metadata: compact({refund_status: r.status, fee_amount: r.seller_payable_breakdown?.paypal_fee?.value}),
    }
  })
}
