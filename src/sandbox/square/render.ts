import {toGatewayMinor} from '../../core/money.js'
import type {Money} from '../../core/transaction.js'
import {facts} from '../../gateways/square/facts.js'
import {ALNUM} from '../ids.js'
import {
  type PaymentState,
  paymentStateAt,
  type ScenarioPayment,
  type ScenarioRefund,
  type ScenarioSite,
} from '../model.js'
import {derive, pick} from './derive.js'
import {squareIds} from './object-ids.js'
import type {PaymentRecord} from './record.js'

/**
 * Renders scenario objects in Square's JSON (snake_case, integer amounts in the currency's smallest unit,
 * RFC 3339 UTC with milliseconds), as they look at a given time. Pure: the emulator's routing and lists sit on top.
 */
const BRANDS = ['VISA', 'MASTERCARD', 'AMERICAN_EXPRESS', 'DISCOVER'] as const
const DISPUTE_REASONS = [
  'NOT_AS_DESCRIBED',
  'UNAUTHORIZED',
  'DUPLICATE',
  'NO_KNOWLEDGE',
  'PAID_BY_OTHER_MEANS',
] as const

function wire(m: Money): {amount: number; currency: string} {
  return {amount: toGatewayMinor(m, facts.wire), currency: m.currency}
}

/** The latest change a payment has had by `at` (refunds and settlement bump updated_at; disputes do not). */
export function paymentUpdatedAt(p: ScenarioPayment, state: PaymentState): string {
  let updated = p.createdAt
  if (p.settledAt !== null && state.status !== 'pending' && p.settledAt > updated) updated = p.settledAt
  for (const r of state.refunds) if (r.at > updated) updated = r.at
  return updated
}

export function renderPayment(rec: PaymentRecord, at: string, seed: number): Record<string, unknown> {
  const {p} = rec
  const state = paymentStateAt(p, at)
  const status = state.status === 'pending' ? 'PENDING' : state.status === 'succeeded' ? 'COMPLETED' : 'FAILED'
  const errors =
    status === 'FAILED' && rec.decline
      ? [{category: rec.decline.category, code: rec.decline.code, detail: rec.decline.detail}]
      : undefined
  const payment: Record<string, unknown> = {
    id: rec.id,
    created_at: p.createdAt,
    updated_at: paymentUpdatedAt(p, state),
    amount_money: wire(p.amount),
    total_money: wire(p.amount),
    approved_money: status === 'FAILED' ? {amount: 0, currency: p.amount.currency} : wire(p.amount),
    status,
    delay_duration: 'PT168H',
    delay_action: 'CANCEL',
    source_type: rec.sourceType,
    location_id: rec.locationId,
    risk_evaluation: {created_at: p.createdAt, risk_level: 'NORMAL'},
    receipt_number: rec.id.slice(0, 4),
    receipt_url: `https://squareup.com/receipt/preview/${rec.id}`,
    application_details: {square_product: 'ECOMMERCE_API', application_id: 'sandbox-sq0idb-yms-pay-emulator'},
    version_token: derive(43, ALNUM, seed, 'version', rec.id, paymentUpdatedAt(p, state)),
  }
  if (status === 'COMPLETED' && p.fee.minor > 0) {
    payment.processing_fee = [{effective_at: p.settledAt ?? p.createdAt, type: 'INITIAL', amount_money: wire(p.fee)}]
  }
  if (state.refunds.length > 0) {
    payment.refunded_money = wire({minor: state.refundedMinor, currency: p.amount.currency})
    payment.refund_ids = state.refunds.map((r) => rec.refundIds.get(r.key))
  }
  if (rec.customerId) payment.customer_id = rec.customerId
  if (rec.referenceId) payment.reference_id = rec.referenceId
  if (rec.note) payment.note = rec.note
  if (rec.sourceType === 'CARD') {
    payment.card_details = {
      status: status === 'PENDING' ? 'AUTHORIZED' : status === 'COMPLETED' ? 'CAPTURED' : 'FAILED',
      card: {
        card_brand: rec.brand ?? pick(BRANDS, seed, 'brand', rec.id),
        last_4: derive(4, '0123456789', seed, 'last4', rec.id),
        exp_month: 1 + (Number.parseInt(derive(2, '0123456789', seed, 'month', rec.id), 10) % 12),
        exp_year: 2030,
        fingerprint: `sq-1-${derive(40, ALNUM, seed, 'fingerprint', rec.customerId ?? rec.id)}`,
        card_type: 'CREDIT',
        bin: '411111',
      },
      entry_method: 'ON_FILE',
      cvv_status: 'CVV_NOT_CHECKED',
      avs_status: 'AVS_NOT_CHECKED',
      statement_description: 'SQ *YMS PAY',
      card_payment_timeline: {
        authorized_at: p.createdAt,
        ...(status === 'COMPLETED' ? {captured_at: p.settledAt ?? p.createdAt} : {}),
      },
      ...(errors ? {errors} : {}),
    }
  } else {
    payment.bank_account_details = {
      bank_name: 'Sandbox Savings',
      transfer_type: 'ACH',
      account_ownership_type: 'INDIVIDUAL',
      fingerprint: derive(40, ALNUM, seed, 'bank-fingerprint', rec.customerId ?? rec.id),
      country: 'US',
      statement_description: 'SQ *YMS PAY',
      ach_details: {
        routing_number: '011000015',
        account_number_suffix: derive(3, '0123456789', seed, 'acct', rec.id),
        account_type: 'CHECKING',
      },
      ...(errors ? {errors} : {}),
    }
  }
  return payment
}

/** A refund is COMPLETED from its scenario time on; Square returns the matching share of the fee as a negative amount. */
export function renderRefund(rec: PaymentRecord, refund: ScenarioRefund): Record<string, unknown> {
  const {p} = rec
  const out: Record<string, unknown> = {
    id: rec.refundIds.get(refund.key),
    status: 'COMPLETED',
    location_id: rec.locationId,
    unlinked: false,
    destination_type: rec.sourceType === 'CARD' ? 'CARD' : 'BANK_ACCOUNT',
    amount_money: wire(refund.amount),
    payment_id: rec.id,
    reason: 'Requested by customer',
    created_at: refund.at,
    updated_at: refund.at,
  }
  // Integer share of the fee: fee * refunded / amount, rounded down (BigInt: no float on money).
  const share =
    p.amount.minor > 0 ? Number((BigInt(p.fee.minor) * BigInt(refund.amount.minor)) / BigInt(p.amount.minor)) : 0
  if (share > 0)
    out.processing_fee = [
      {effective_at: refund.at, type: 'INITIAL', amount_money: wire({minor: -share, currency: p.amount.currency})},
    ]
  return out
}

function disputeState(rec: PaymentRecord, at: string, seed: number): string | null {
  const state = paymentStateAt(rec.p, at).dispute
  if (!state) return null
  if (state.state === 'open') return 'EVIDENCE_REQUIRED'
  if (state.state === 'won') return 'WON'
  // Some lost disputes were accepted by the merchant rather than lost on evidence.
  return pick(['LOST', 'LOST', 'ACCEPTED'] as const, seed, 'accepted', rec.id)
}

export function renderDispute(rec: PaymentRecord, at: string, seed: number): Record<string, unknown> | null {
  const d = rec.p.dispute
  const state = disputeState(rec, at, seed)
  if (!d || !state || !rec.disputeId) return null
  const closed = d.closedAt !== null && d.closedAt <= at
  const due = new Date(Date.parse(d.openedAt) + 14 * 86_400_000).toISOString()
  return {
    dispute_id: rec.disputeId,
    id: rec.disputeId,
    amount_money: wire(d.amount),
    reason: pick(DISPUTE_REASONS, seed, 'reason', rec.disputeId),
    state,
    due_at: due,
    disputed_payment: {payment_id: rec.id},
    evidence_ids: [],
    card_brand: rec.brand ?? pick(BRANDS, seed, 'brand', rec.id),
    created_at: d.openedAt,
    updated_at: closed ? d.closedAt : d.openedAt,
    brand_dispute_id: derive(22, ALNUM, seed, 'brand-dispute', rec.disputeId),
    reported_date: d.openedAt.slice(0, 10),
    reported_at: d.openedAt,
    version: closed ? 2 : 1,
    location_id: rec.locationId,
  }
}

export function renderLocation(site: ScenarioSite, seed: number, createdAt: string): Record<string, unknown> {
  return {
    id: squareIds.location(seed, site.id),
    name: site.name,
    timezone: site.timezone,
    capabilities: ['CREDIT_CARD_PROCESSING', 'AUTOMATIC_TRANSFERS'],
    status: 'ACTIVE',
    created_at: createdAt,
    merchant_id: squareIds.merchant(seed),
    country: site.country,
    language_code: 'en-US',
    currency: site.currency,
    business_name: `YMS ${site.name}`,
    type: 'PHYSICAL',
    business_email: `${site.id}@example.com`,
    mcc: '7299',
  }
}
