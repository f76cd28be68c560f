import {checkedParse} from '../../core/checked-parse.js'
import type {NormalizedTxn} from '../../core/transaction.js'
import {buildTxn, invalidShape, Refusal, type Translation, type TxnFields, wireMoney} from '../translate-kit.js'
import {declineFailure} from './classify.js'
import {facts} from './facts.js'
import {
  ChargeSchema,
  describeIssues,
  DisputeSchema,
  RefundSchema,
  type StripeCharge,
  type StripeDispute,
  type StripeRefund,
} from './schema.js'
import {fitsStripeCharge} from './shapes.js'

/**
 * Pure translation of Stripe objects into NormalizedTxn (conventions in src/core/transaction.ts): a charge is a
 * payment, a `re_` refund and a `dp_` dispute are their own transactions pointing at the charge.
 */

export interface TranslateContext {
  /** The provider id (connection name): NormalizedTxn.id is `${provider}:${externalId}`. */
  provider: string
  /** When the object was seen changing (an event's `created`, unix seconds): updatedAt is at least this. */
  seenAt?: number
}

/** Metadata keys yms-pay sets on the PaymentIntents it creates (and the sandbox on its charges). */
export const METADATA_INVOICE = 'yms_invoice'
export const METADATA_SITE = 'yms_site'

const iso = (seconds: number): string => new Date(seconds * 1000).toISOString().replace('.000Z', 'Z')

const refId = (value: string | {id: string} | null | undefined): string | null =>
  value === null || value === undefined ? null : typeof value === 'string' ? value : value.id

const money = (amount: number, currency: string, field: string) => wireMoney(amount, currency, facts.wire, field)

const finish = (raw: unknown, externalId: string, build: () => TxnFields, ctx: TranslateContext): Translation =>
  buildTxn({provider: ctx.provider, kind: facts.kind}, raw, externalId, build)

const latest = (ctx: TranslateContext, ...seconds: number[]): string => iso(Math.max(...seconds, ctx.seenAt ?? 0))

export function translateCharge(raw: unknown, ctx: TranslateContext): Translation {
  const parsed = checkedParse(ChargeSchema, fitsStripeCharge, raw)
  if (!parsed.success) return invalidShape(raw, 'charge', describeIssues(parsed.error))
  const charge = parsed.data
  return finish(raw, charge.id, () => chargeFields(charge, ctx), ctx)
}

function chargeFields(charge: StripeCharge, ctx: TranslateContext): TxnFields {
  const amount = money(charge.amount, charge.currency, 'amount')
  const bt = typeof charge.balance_transaction === 'object' ? charge.balance_transaction : null
  // A charge's own lifecycle only; refunds and disputes are separate transactions.
  const status = charge.status === 'succeeded' ? (charge.captured ? 'succeeded' : 'authorized') : charge.status
  let failure: NormalizedTxn['failure'] = null
  if (charge.status === 'failed') {
    // outcome.reason carries the issuer's decline code (insufficient_funds…); failure_code is often just card_declined.
    const code = charge.outcome?.reason ?? charge.failure_code ?? 'unknown'
    failure = declineFailure({
      code,
      message: charge.failure_message ?? charge.outcome?.seller_message ?? code,
      advice: charge.outcome?.advice_code,
      networkCode: charge.outcome?.network_decline_code,
      networkAdvice: charge.outcome?.network_advice_code,
      brand: charge.payment_method_details?.card?.brand,
    })
  }
  return {
    externalId: charge.id,
    parentExternalId: null,
    type: 'payment',
    status,
    amount,
    fee: bt ? money(bt.fee, bt.currency, 'balance_transaction.fee') : null,
    net: bt ? money(bt.net, bt.currency, 'balance_transaction.net') : null,
    customerRef: refId(charge.customer),
    invoiceRef: charge.metadata[METADATA_INVOICE] ?? null,
    siteRef: charge.metadata[METADATA_SITE] ?? null,
    failure,
    occurredAt: iso(charge.created),
    updatedAt: latest(ctx, charge.created, bt?.created ?? 0),
    metadata: charge.metadata,
  }
}

const REFUND_STATUS = {
  pending: 'pending',
  requires_action: 'pending',
  succeeded: 'succeeded',
  failed: 'failed',
  canceled: 'canceled',
} as const

export function translateRefund(raw: unknown, ctx: TranslateContext): Translation {
  const parsed = RefundSchema.safeParse(raw)
  if (!parsed.success) return invalidShape(raw, 'refund', describeIssues(parsed.error))
  const refund: StripeRefund = parsed.data
  return finish(
    raw,
    refund.id,
    () => ({
      externalId: refund.id,
      parentExternalId: refId(refund.charge),
      type: 'refund',
      status: REFUND_STATUS[refund.status],
      amount: money(refund.amount, refund.currency, 'amount'),
      fee: null,
      net: null,
      customerRef: null,
      invoiceRef: refund.metadata?.[METADATA_INVOICE] ?? null,
      siteRef: refund.metadata?.[METADATA_SITE] ?? null,
      failure: null,
      occurredAt: iso(refund.created),
      updatedAt: latest(ctx, refund.created),
      metadata: refund.metadata ?? {},
    }),
    ctx,
  )
}

/**
 * Open disputes (including inquiries) are `disputed`. `warning_closed` (an inquiry that never became a dispute)
 * and `prevented` end without the merchant losing the funds, so they count as `won`.
 */
const DISPUTE_STATUS: Readonly<Record<StripeDispute['status'], NormalizedTxn['status']>> = {
  warning_needs_response: 'disputed',
  warning_under_review: 'disputed',
  needs_response: 'disputed',
  under_review: 'disputed',
  warning_closed: 'won',
  prevented: 'won',
  won: 'won',
  lost: 'lost',
}

export function translateDispute(raw: unknown, ctx: TranslateContext): Translation {
  const parsed = DisputeSchema.safeParse(raw)
  if (!parsed.success) return invalidShape(raw, 'dispute', describeIssues(parsed.error))
  const dispute = parsed.data
  // A dispute has no "updated" field; its balance transactions (withdrawal, reinstatement) date its changes.
  const changes = (dispute.balance_transactions ?? []).map((bt) => bt.created)
  return finish(
    raw,
    dispute.id,
    () => ({
      externalId: dispute.id,
      parentExternalId: refId(dispute.charge),
      type: 'dispute',
      status: DISPUTE_STATUS[dispute.status],
      amount: money(dispute.amount, dispute.currency, 'amount'),
      fee: disputeFee(dispute),
      net: null,
      customerRef: null,
      invoiceRef: null,
      siteRef: null,
      failure: null,
      occurredAt: iso(dispute.created),
      updatedAt: latest(ctx, dispute.created, ...changes),
      metadata: dispute.metadata ?? {},
    }),
    ctx,
  )
}

/**
 * The dispute fee Stripe booked, net: the withdrawal's `fee` plus the reinstatement's (negative when Stripe gives
 * the fee back), in the balance transactions' currency (docs/gateways.md#stripe-amounts). Null when no balance
 * transaction carries a fee.
 */
function disputeFee(dispute: StripeDispute): TxnFields['fee'] {
  const booked = (dispute.balance_transactions ?? []).filter((bt) => bt.fee !== undefined)
  const currency = booked[0]?.currency
  if (currency === undefined) return null
  let minor = 0
  for (const [i, bt] of booked.entries()) {
    if (bt.currency !== currency)
      throw new Refusal(
        'invalid_payload',
        `balance_transactions.${i}.currency: ${bt.currency} differs from ${currency}`,
      )
    minor += bt.fee ?? 0
  }
  return money(minor, currency, 'balance_transactions.fee')
}

/** Refunds embedded in a charge (old API versions, or `expand[]=refunds`). */
export function embeddedRefunds(raw: unknown): unknown[] {
  const parsed = ChargeSchema.safeParse(raw)
  return parsed.success ? (parsed.data.refunds?.data ?? []) : []
}
