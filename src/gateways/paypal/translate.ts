import {describeIssues, invalidShape, Refusal, type Translation} from '../translate-kit.js'
import {paypalFailure} from './classify.js'
import {CaptureSchema, type DisputeDetail, DisputeDetailSchema, RefundSchema} from './schema.js'
import {
  compact,
  DENIED_FAILURE_CODE,
  type Failure,
  finish,
  idAt,
  money,
  negated,
  type Status,
  time,
  type TranslateContext,
} from './translate-base.js'

export type {TranslateContext} from './translate-base.js'

/**
 * Pure translation of PayPal's disputes and webhook resources into NormalizedTxn (conventions in
 * core/transaction.ts; docs/gateways.md#paypal-statuses and #paypal-amounts). Transaction search rows are
 * search-row.ts.
 * Disputes (`/v1/customer/disputes/{id}`): RESOLVED with a seller-favour outcome -> won, buyer-favour -> lost,
 * any other status -> disputed; parent = disputed_transactions[0].seller_transaction_id.
 */

/** Dispute outcomes (customer_disputes_v1 `outcome_code`) from the merchant's side. */
export const DISPUTE_OUTCOMES: Readonly<Record<string, 'won' | 'lost'>> = {
  RESOLVED_SELLER_FAVOUR: 'won',
  CANCELED_BY_BUYER: 'won',
  DENIED: 'won',
  RESOLVED_BUYER_FAVOUR: 'lost',
  RESOLVED_WITH_PAYOUT: 'lost',
  ACCEPTED: 'lost',
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
        ? paypalFailure(reason ?? DENIED_FAILURE_CODE, `PayPal capture ${c.status}${reason ? ` (${reason})` : ''}`)
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
    const feeReturned = r.seller_payable_breakdown?.paypal_fee
    return {
      externalId: r.id,
      parentExternalId: parent,
      type: 'refund',
      status: WEBHOOK_REFUND_STATUS[r.status] as Status,
      amount: money(r.amount, 'amount'),
      // net_amount = gross_amount - paypal_fee: the fee PayPal returns to the merchant, so negative here, as on
      // the refund's transaction search row (docs/gateways.md#paypal-webhooks).
      fee: feeReturned ? negated(money(feeReturned, 'seller_payable_breakdown.paypal_fee')) : null,
      invoiceRef: r.invoice_id ?? null,
      occurredAt,
      updatedAt: r.update_time ? time(r.update_time, 'update_time') : occurredAt,
      metadata: compact({refund_status: r.status, fee_amount: r.seller_payable_breakdown?.paypal_fee?.value}),
    }
  })
}
