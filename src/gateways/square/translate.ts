import type {z} from 'zod'

import type {FailureSchema, Money, NormalizedTxn} from '../../core/transaction.js'
import {networkOfBrand} from '../../core/retry/card-network.js'
import {
  buildTxn,
  describeIssues,
  invalidShape,
  Refusal,
  type Translation,
  type TxnFields,
  wireMoney,
} from '../translate-kit.js'
import {squareFailure} from './classify.js'
import {facts} from './facts.js'
import {
  type DISPUTE_STATES,
  type PAYMENT_STATUSES,
  type REFUND_STATUSES,
  type SquareDispute,
  SquareDisputeSchema,
  type SquareMoney,
  type SquarePayment,
  SquarePaymentSchema,
  type SquareRefund,
  SquareRefundSchema,
} from './schema.js'

/**
 * Pure translation of Square objects (payments, refunds, disputes) into NormalizedTxn, following the conventions
 * in core/transaction.ts: a refund and a dispute are their own transactions pointing at the payment.
 */
export interface TranslateContext {
  /** The provider id (connection name): NormalizedTxn.id is `${providerId}:${externalId}`. */
  providerId: string
}

type Status = NormalizedTxn['status']
type Failure = z.infer<typeof FailureSchema>

// docs/gateways.md#square-statuses
const PAYMENT_STATUS: Record<(typeof PAYMENT_STATUSES)[number], Status> = {
  APPROVED: 'authorized',
  PENDING: 'pending',
  COMPLETED: 'succeeded',
  CANCELED: 'canceled',
  FAILED: 'failed',
}
const REFUND_STATUS: Record<(typeof REFUND_STATUSES)[number], Status> = {
  PENDING: 'pending',
  COMPLETED: 'succeeded',
  REJECTED: 'failed',
  FAILED: 'failed',
}
/** Open states (inquiries included) count as `disputed`: Square may already have withdrawn the funds. */
const DISPUTE_STATUS: Record<(typeof DISPUTE_STATES)[number], Status> = {
  INQUIRY_EVIDENCE_REQUIRED: 'disputed',
  INQUIRY_PROCESSING: 'disputed',
  INQUIRY_CLOSED: 'disputed',
  EVIDENCE_REQUIRED: 'disputed',
  PROCESSING: 'disputed',
  WON: 'won',
  LOST: 'lost',
  ACCEPTED: 'lost',
}

/** RFC 3339 with any offset and precision (webhooks carry nanoseconds) -> ISO-8601 UTC with milliseconds. */
export function toIsoUtc(value: string): string {
  const m = /^(\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2})(?:\.(\d+))?(Z|[+-]\d{2}:\d{2})$/.exec(value)
  if (!m) throw new RangeError(`not an RFC 3339 timestamp: ${value}`)
  const millis = (m[2] ?? '').padEnd(3, '0').slice(0, 3)
  const date = new Date(`${m[1]}.${millis}${m[3]}`)
  if (Number.isNaN(date.getTime())) throw new RangeError(`not a valid time: ${value}`)
  return date.toISOString()
}

const money = (m: SquareMoney, field: string): Money => wireMoney(m.amount, m.currency, facts.wire, field)

const finish = (raw: unknown, externalId: string, build: () => TxnFields, ctx: TranslateContext): Translation =>
  buildTxn({provider: ctx.providerId, kind: facts.kind}, raw, externalId, build)

/** Sum of processing_fee[] (INITIAL plus ADJUSTMENTs), or null when Square reported none. */
function feeOf(fees: readonly {amount_money: SquareMoney}[] | null | undefined, currency: string): Money | null {
  if (!fees || fees.length === 0) return null
  let minor = 0
  fees.forEach((fee, index) => {
    const m = money(fee.amount_money, `processing_fee.${index}.amount_money`)
    if (m.currency !== currency) {
      throw new Refusal(
        'invalid_payload',
        `processing_fee.${index}.amount_money.currency: ${m.currency} differs from the amount's ${currency}`,
      )
    }
    minor += m.minor
  })
  return {minor, currency}
}

function time(value: string, field: string): string {
  try {
    return toIsoUtc(value)
  } catch {
    throw new Refusal('invalid_payload', `${field}: not a valid RFC 3339 time (${value})`)
  }
}

/** What a FAILED payment that names no error is recorded as. */
export function unexplainedFailure(): Failure {
  return squareFailure(
    {code: 'FAILED', detail: 'Square reported the payment FAILED without an error code'},
    {decline: true},
  )
}

/** The decline of a failed payment: Square puts it in card_details.errors[] (bank_account_details for ACH). */
function paymentFailure(payment: SquarePayment): Failure | null {
  if (payment.status !== 'FAILED') return null
  const error = payment.card_details?.errors?.[0] ?? payment.bank_account_details?.errors?.[0]
  const network = payment.card_details
    ? networkOfBrand(payment.card_details.card?.card_brand)
    : payment.bank_account_details
      ? 'none'
      : null
  if (!error) return {...unexplainedFailure(), ...(network ? {network} : {})}
  return squareFailure(error, {decline: true, network})
}

function compact(entries: Record<string, string | null | undefined>): Record<string, string> {
  const out: Record<string, string> = {}
  for (const [k, v] of Object.entries(entries)) if (typeof v === 'string' && v.length > 0) out[k] = v
  return out
}

export function translatePayment(raw: unknown, ctx: TranslateContext): Translation {
  const parsed = SquarePaymentSchema.safeParse(raw)
  if (!parsed.success) return invalidShape(raw, 'payment', describeIssues(parsed.error))
  const p = parsed.data
  return finish(raw, p.id, () => paymentFields(p), ctx)
}

function paymentFields(p: SquarePayment): TxnFields {
  // total_money is what the buyer was charged (amount + tip); older objects may lack it.
  const amount = p.total_money ? money(p.total_money, 'total_money') : money(p.amount_money, 'amount_money')
  money(p.amount_money, 'amount_money') // validated too: a drifted amount_money is quarantined even when total_money is fine
  const fee = feeOf(p.processing_fee, amount.currency)
  return {
    externalId: p.id,
    parentExternalId: null,
    type: 'payment',
    status: PAYMENT_STATUS[p.status],
    amount,
    fee,
    net: fee ? {minor: amount.minor - fee.minor, currency: amount.currency} : null,
    customerRef: p.customer_id ?? null,
    invoiceRef: p.reference_id ?? null,
    siteRef: p.location_id ?? null,
    failure: paymentFailure(p),
    occurredAt: time(p.created_at, 'created_at'),
    updatedAt: time(p.updated_at, 'updated_at'),
    metadata: compact({location_id: p.location_id, source_type: p.source_type, order_id: p.order_id, note: p.note}),
  }
}

export function translateRefund(raw: unknown, ctx: TranslateContext): Translation {
  const parsed = SquareRefundSchema.safeParse(raw)
  if (!parsed.success) return invalidShape(raw, 'refund', describeIssues(parsed.error))
  const r = parsed.data
  return finish(raw, r.id, () => refundFields(r), ctx)
}

function refundFields(r: SquareRefund): TxnFields {
  const amount = money(r.amount_money, 'amount_money')
  return {
    externalId: r.id,
    parentExternalId: r.payment_id,
    type: 'refund',
    status: REFUND_STATUS[r.status],
    amount,
    // Square reports the processing fee it gives back as a negative amount; kept with Square's sign.
    fee: feeOf(r.processing_fee, amount.currency),
    net: null,
    customerRef: null,
    invoiceRef: null,
    siteRef: r.location_id ?? null,
    failure: null,
    occurredAt: time(r.created_at, 'created_at'),
    updatedAt: time(r.updated_at, 'updated_at'),
    metadata: compact({location_id: r.location_id, reason: r.reason}),
  }
}

export function translateDispute(raw: unknown, ctx: TranslateContext): Translation {
  const parsed = SquareDisputeSchema.safeParse(raw)
  if (!parsed.success) return invalidShape(raw, 'dispute', describeIssues(parsed.error))
  const d = parsed.data
  return finish(raw, d.id, () => disputeFields(d), ctx)
}

function disputeFields(d: SquareDispute): TxnFields {
  return {
    externalId: d.id,
    parentExternalId: d.disputed_payment.payment_id,
    type: 'dispute',
    status: DISPUTE_STATUS[d.state],
    amount: money(d.amount_money, 'amount_money'),
    fee: null,
    net: null,
    customerRef: null,
    invoiceRef: null,
    siteRef: d.location_id ?? null,
    failure: null,
    occurredAt: time(d.created_at, 'created_at'),
    updatedAt: time(d.updated_at, 'updated_at'),
    metadata: compact({location_id: d.location_id, reason: d.reason, state: d.state}),
  }
}
