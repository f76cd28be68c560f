import {formatGatewayDecimal} from '../../core/money.js'
import type {Money} from '../../core/transaction.js'
import {paymentStateAt, type ScenarioCustomer, type ScenarioPayment} from '../model.js'
import {facts} from '../../gateways/paypal/facts.js'
import {derive, type PaypalIds} from './ids.js'
import {refundFeeReturned} from './refund-fee.js'

/**
 * The objects PayPal's REST API shows for a scenario payment at a moment (the transaction search rows are
 * search-rows.ts). Pure rendering; world.ts holds the state and the request handlers decide what to show.
 */

/** PayPal's reporting samples write `+0000` offsets (docs/gateways.md#paypal-listing); the emulator does the same. */
export function reportTime(iso: string): string {
  return `${iso.slice(0, 19)}+0000`
}

export const pp = (m: Money, negate = false): {currency_code: string; value: string} => ({
  currency_code: m.currency,
  value: formatGatewayDecimal(negate && m.minor !== 0 ? {minor: -m.minor, currency: m.currency} : m, facts.wire),
})

/** A dispute as the disputes API shows it at `now` (null before it opens). */
export function renderDispute(
  payment: ScenarioPayment,
  customer: ScenarioCustomer | undefined,
  ids: PaypalIds,
  now: string,
  baseUrl: string,
  detail: boolean,
): Record<string, unknown> | null {
  const d = payment.dispute
  const state = paymentStateAt(payment, now).dispute
  if (!d || !state) return null
  const resolved = state.state !== 'open'
  const id = ids.dispute(d.key)
  const channel = ids.channel(d.key)
  const summary: Record<string, unknown> = {
    dispute_id: id,
    create_time: d.openedAt,
    update_time: resolved ? d.closedAt : d.openedAt,
    status: resolved ? 'RESOLVED' : 'UNDER_REVIEW',
    // A chargeback comes from the card issuer; a claim is filed with PayPal (dispute-channel.ts).
    reason: channel === 'EXTERNAL' ? 'UNAUTHORISED' : 'MERCHANDISE_OR_SERVICE_NOT_RECEIVED',
    dispute_state: resolved ? 'RESOLVED' : 'REQUIRED_OTHER_PARTY_ACTION',
    dispute_amount: pp(d.amount),
    dispute_life_cycle_stage: 'CHARGEBACK',
    dispute_channel: channel,
    links: [{href: `${baseUrl}/v1/customer/disputes/${id}`, rel: 'self', method: 'GET'}],
  }
  if (!detail) return summary
  return {
    ...summary,
    disputed_transactions: [
      {
        buyer_transaction_id: derive(0, `buyer:${payment.key}`, 17),
        seller_transaction_id: ids.payment(payment.key),
        create_time: payment.createdAt,
        transaction_status: 'COMPLETED',
        gross_amount: pp(payment.amount),
        ...(payment.invoice ? {invoice_number: payment.invoice} : {}),
        buyer: {name: customer?.name ?? 'Buyer'},
        seller: {merchant_id: 'YMSSANDBOXMERCH'},
      },
    ],
    ...(resolved
      ? {
          dispute_outcome: {
            outcome_code: state.state === 'won' ? 'RESOLVED_SELLER_FAVOUR' : 'RESOLVED_BUYER_FAVOUR',
            ...(state.state === 'lost' ? {amount_refunded: pp(d.amount)} : {}),
          },
        }
      : {}),
    messages: [],
  }
}

/** The capture behind a payment, as Orders v2 and PAYMENT.CAPTURE.* webhooks show it at `now`. */
export function renderCapture(
  payment: ScenarioPayment,
  ids: PaypalIds,
  now: string,
  baseUrl: string,
): Record<string, unknown> {
  const state = paymentStateAt(payment, now)
  const id = ids.payment(payment.key)
  const refunded = state.refundedMinor
  const status =
    state.status === 'pending'
      ? 'PENDING'
      : state.status === 'failed'
        ? 'DECLINED'
        : refunded >= payment.amount.minor
          ? 'REFUNDED'
          : refunded > 0
            ? 'PARTIALLY_REFUNDED'
            : 'COMPLETED'
  const net = {minor: payment.amount.minor - payment.fee.minor, currency: payment.amount.currency}
  return {
    id,
    status,
    ...(status === 'PENDING' ? {status_details: {reason: 'ECHECK'}} : {}),
    amount: pp(payment.amount),
    final_capture: true,
    seller_protection: {status: 'ELIGIBLE', dispute_categories: ['ITEM_NOT_RECEIVED', 'UNAUTHORIZED_TRANSACTION']},
    ...(state.status === 'succeeded'
      ? {
          seller_receivable_breakdown: {
            gross_amount: pp(payment.amount),
            paypal_fee: pp(payment.fee),
            net_amount: pp(net),
          },
        }
      : {}),
    ...(payment.invoice ? {invoice_id: payment.invoice} : {}),
    custom_id: payment.customer,
    links: [
      {href: `${baseUrl}/v2/payments/captures/${id}`, rel: 'self', method: 'GET'},
      {href: `${baseUrl}/v2/payments/captures/${id}/refund`, rel: 'refund', method: 'POST'},
      {href: `${baseUrl}/v2/checkout/orders/${ids.order(payment.key)}`, rel: 'up', method: 'GET'},
    ],
    create_time: payment.createdAt,
    update_time: payment.settledAt && payment.settledAt <= now ? payment.settledAt : payment.createdAt,
  }
}

export function renderRefund(
  payment: ScenarioPayment,
  refundKey: string,
  ids: PaypalIds,
  baseUrl: string,
): Record<string, unknown> {
  const refund = payment.refunds.find((r) => r.key === refundKey)!
  const id = ids.refund(refund.key)
  // net_amount = gross_amount - paypal_fee: what the merchant's balance is debited, less the fee PayPal gives back.
  const returned = refundFeeReturned(payment, refund)
  const net = {minor: refund.amount.minor - (returned?.minor ?? 0), currency: refund.amount.currency}
  return {
    id,
    amount: pp(refund.amount),
    status: 'COMPLETED',
    ...(payment.invoice ? {invoice_id: payment.invoice} : {}),
    seller_payable_breakdown: {
      gross_amount: pp(refund.amount),
      ...(returned ? {paypal_fee: pp(returned)} : {}),
      net_amount: pp(net),
      total_refunded_amount: pp(refund.amount),
    },
    create_time: refund.at,
    update_time: refund.at,
    links: [
      {href: `${baseUrl}/v2/payments/refunds/${id}`, rel: 'self', method: 'GET'},
      {href: `${baseUrl}/v2/payments/captures/${ids.payment(payment.key)}`, rel: 'up', method: 'GET'},
    ],
  }
}
