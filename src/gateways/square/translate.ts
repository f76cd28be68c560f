import type {z} from 'zod'

import {isSupportedCurrency} from '../../core/currency.js'
import {fromGatewayMinor} from '../../core/money.js'
import {
  type FailureSchema,
  type FetchedTxn,
  type Money,
  type NormalizedTxn,
  NormalizedTxnSchema,
  type Quarantined,
} from '../../core/transaction.js'
import {MoneyError} from '../../core/errors.js'
import {declineDecision} from './classify.js'
import {
  DISPUTE_STATES,
  describeIssues,
  PAYMENT_STATUSES,
  REFUND_STATUSES,
  type SquareDispute,
  SquareDisputeSchema,
  type SquareMoney,
  type SquarePayment,
  SquarePaymentSchema,
  type SquareRefund,
  SquareRefundSchema,
} from './schema.js'
import {facts} from './facts.js'

/**
 * Pure translation of Square objects (payments, refunds, disputes) into NormalizedTxn, following the conventions
 * in core/transaction.ts. Anything that does not fit is returned as Quarantined with the field named.
 */
export interface TranslateContext {
  providerId: string
}

export type Translated = {ok: true; item: FetchedTxn} | {ok: false; item: Quarantined}

type Status = NormalizedTxn['status']
type Failure = z.infer<typeof FailureSchema>

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

function externalIdOf(raw: unknown): string | null {
  if (raw && typeof raw === 'object' && 'id' in raw && typeof raw.id === 'string' && raw.id.length > 0) return raw.id
  return null
}

function quarantine(raw: unknown, reason: Quarantined['reason'], detail: string): Translated {
  return {ok: false, item: {externalId: externalIdOf(raw), reason, detail, raw}}
}

class FieldError extends Error {
  constructor(
    readonly reason: Quarantined['reason'],
    message: string,
  ) {
    super(message)
  }
}

function money(m: SquareMoney, field: string): Money {
  try {
    return fromGatewayMinor(m.amount, m.currency, facts.wire, field)
  } catch (error) {
    if (error instanceof MoneyError) {
      const reason = isSupportedCurrency(m.currency.toUpperCase()) ? 'invalid_payload' : 'unsupported_currency'
      throw new FieldError(reason, `${field}: ${error.message}`)
    }
    throw error
  }
}

/** Sum of processing_fee[] (INITIAL plus ADJUSTMENTs), or null when Square reported none. */
function feeOf(fees: readonly {amount_money: SquareMoney}[] | null | undefined, currency: string): Money | null {
  if (!fees || fees.length === 0) return null
  let minor = 0
  fees.forEach((fee, index) => {
    const m = money(fee.amount_money, `processing_fee.${index}.amount_money`)
    if (m.currency !== currency) {
      throw new FieldError('invalid_payload', `processing_fee.${index}.amount_money.currency: ${m.currency} differs from the amount's ${currency}`)
    }
    minor += m.minor
  })
  return {minor, currency}
}

function time(value: string, field: string): string {
  try {
    return toIsoUtc(value)
  } catch {
    throw new FieldError('invalid_payload', `${field}: not a valid RFC 3339 time (${value})`)
  }
}

/** The decline of a failed payment: Square puts it in card_details.errors[] (bank_account_details for ACH). */
export function paymentFailure(payment: SquarePayment): Failure | null {
  if (payment.status !== 'FAILED') return null
  const error = payment.card_details?.errors?.[0] ?? payment.bank_account_details?.errors?.[0]
  if (!error) return {code: 'FAILED', message: 'Square reported the payment FAILED without an error code', decision: declineDecision('FAILED')}
  return {code: error.code, message: error.detail ?? error.code, decision: declineDecision(error.code)}
}

function finish(txn: NormalizedTxn, raw: unknown): Translated {
  const checked = NormalizedTxnSchema.safeParse(txn)
  if (!checked.success) return quarantine(raw, 'invalid_payload', describeIssues(checked.error))
  return {ok: true, item: {txn: checked.data, raw}}
}

function guarded(raw: unknown, build: () => NormalizedTxn): Translated {
  try {
    return finish(build(), raw)
  } catch (error) {
    if (error instanceof FieldError) return quarantine(raw, error.reason, error.message)
    throw error
  }
}

function base(ctx: TranslateContext, externalId: string) {
  return {id: `${ctx.providerId}:${externalId}`, provider: ctx.providerId, kind: 'square' as const, externalId}
}

function compact(entries: Record<string, string | null | undefined>): Record<string, string> {
  const out: Record<string, string> = {}
  for (const [k, v] of Object.entries(entries)) if (typeof v === 'string' && v.length > 0) out[k] = v
  return out
}

export function translatePayment(raw: unknown, ctx: TranslateContext): Translated {
  const parsed = SquarePaymentSchema.safeParse(raw)
  if (!parsed.success) return quarantine(raw, 'invalid_payload', describeIssues(parsed.error))
  const p: SquarePayment = parsed.data
  return guarded(raw, () => {
    // total_money is what the buyer was charged (amount + tip); older objects may lack it.
    const amount = p.total_money ? money(p.total_money, 'total_money') : money(p.amount_money, 'amount_money')
    money(p.amount_money, 'amount_money') // validated too: a drifted amount_money is quarantined even when total_money is fine
    const fee = feeOf(p.processing_fee, amount.currency)
    return {
      ...base(ctx, p.id),
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
  })
}

export function translateRefund(raw: unknown, ctx: TranslateContext): Translated {
  const parsed = SquareRefundSchema.safeParse(raw)
  if (!parsed.success) return quarantine(raw, 'invalid_payload', describeIssues(parsed.error))
  const r: SquareRefund = parsed.data
  return guarded(raw, () => {
    const amount = money(r.amount_money, 'amount_money')
    return {
      ...base(ctx, r.id),
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
  })
}

export function translateDispute(raw: unknown, ctx: TranslateContext): Translated {
  const parsed = SquareDisputeSchema.safeParse(raw)
  if (!parsed.success) return quarantine(raw, 'invalid_payload', describeIssues(parsed.error))
  const d: SquareDispute = parsed.data
  return guarded(raw, () => ({
    ...base(ctx, d.id),
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
  }))
}
