import {isInt, isNullishString, isPlainRecord, isStringRecord, isUint} from '../../core/checked-parse.js'
import type {StripeCharge, StripeEvent} from './schema.js'

/**
 * Hand-written checks of the shapes Stripe sends most (checked-parse.ts): never looser than EventSchema and
 * ChargeSchema (schema.ts), which decide, and name the issues, for anything these do not accept.
 */
export function fitsStripeEvent(v: unknown): v is StripeEvent {
  return (
    isPlainRecord(v) &&
    typeof v.id === 'string' &&
    v.id.startsWith('evt_') &&
    v.object === 'event' &&
    typeof v.type === 'string' &&
    isUint(v.created) &&
    isPlainRecord(v.data) &&
    isPlainRecord(v.data.object)
  )
}

const CHARGE_ID = /^(ch|py)_/
const CHARGE_STATUSES: ReadonlySet<unknown> = new Set(['succeeded', 'pending', 'failed'])

export function fitsStripeCharge(v: unknown): v is StripeCharge {
  return (
    isPlainRecord(v) &&
    typeof v.id === 'string' &&
    CHARGE_ID.test(v.id) &&
    v.object === 'charge' &&
    isUint(v.amount) &&
    isUint(v.amount_refunded) &&
    typeof v.captured === 'boolean' &&
    typeof v.currency === 'string' &&
    isUint(v.created) &&
    CHARGE_STATUSES.has(v.status) &&
    (v.customer === null || typeof v.customer === 'string') &&
    (v.balance_transaction === null ||
      typeof v.balance_transaction === 'string' ||
      fitsBalanceTransaction(v.balance_transaction)) &&
    isNullishString(v.failure_code) &&
    isNullishString(v.failure_message) &&
    (v.outcome === undefined || v.outcome === null || fitsOutcome(v.outcome)) &&
    (v.payment_method_details === undefined ||
      v.payment_method_details === null ||
      fitsPaymentMethodDetails(v.payment_method_details)) &&
    isStringRecord(v.metadata) &&
    (v.refunds === undefined || v.refunds === null || (isPlainRecord(v.refunds) && Array.isArray(v.refunds.data)))
  )
}

function fitsBalanceTransaction(v: unknown): boolean {
  return (
    isPlainRecord(v) &&
    typeof v.id === 'string' &&
    v.id.startsWith('txn_') &&
    v.object === 'balance_transaction' &&
    isInt(v.amount) &&
    isInt(v.fee) &&
    isInt(v.net) &&
    typeof v.currency === 'string' &&
    isUint(v.created) &&
    typeof v.status === 'string' &&
    typeof v.type === 'string'
  )
}

function fitsOutcome(v: unknown): boolean {
  return (
    isPlainRecord(v) &&
    isNullishString(v.reason) &&
    isNullishString(v.advice_code) &&
    isNullishString(v.network_advice_code) &&
    isNullishString(v.network_decline_code) &&
    isNullishString(v.type) &&
    isNullishString(v.seller_message)
  )
}

function fitsPaymentMethodDetails(v: unknown): boolean {
  if (!isPlainRecord(v)) return false
  const card = v.card
  return card === undefined || card === null || (isPlainRecord(card) && isNullishString(card.brand))
}
