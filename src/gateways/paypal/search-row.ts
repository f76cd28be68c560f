import type {Money, Skipped} from '../../core/transaction.js'
import {describeIssues, invalidShape, Refusal, type Translation, type TxnFields} from '../translate-kit.js'
import {paypalFailure} from './classify.js'
import {type Booking, eventCode, type Treatment} from './event-codes.js'
import {type TransactionDetail, TransactionDetailSchema} from './schema.js'
import {
  compact,
  DENIED_FAILURE_CODE,
  type Failure,
  finish,
  idAt,
  money,
  negated,
  signedMoney,
  type Status,
  time,
  type TranslateContext,
} from './translate-base.js'

/**
 * One row of `GET /v1/reporting/transactions` (docs/gateways.md#paypal-transaction-search). The row's event
 * code decides what it is (event-codes.ts); its sign says the direction from the merchant's side:
 * - a customer payment (T00nn received) -> payment; a customer refund (T1107 paid out) -> refund of
 *   `paypal_reference_id`. The same codes in the other direction are the merchant's own spending or refunds it
 *   received, so they become merchant-level adjustments.
 * - fee, payout and adjustment codes -> a merchant-level booking: no customer, `amount` signed as the effect on
 *   the merchant's balance at PayPal (docs/gateways.md#paypal-transaction-search), `metadata.yms_booking` = code.
 * - skipped codes and codes PayPal does not document -> `{skipped}`: counted and listed, never posted.
 */
/** A search row is a transaction, or an entry seen and deliberately not posted (reason from event-codes.ts). */
export type RowTranslation = Translation | {skipped: Skipped}

type Info = TransactionDetail['transaction_info']

/**
 * `transaction_status` by what the row is. D denied, P pending, S success, V "a successful transaction was
 * reversed and funds were refunded to the original sender", F "the original recipient partially refunded the
 * transaction" (PayPal's API reference; the OpenAPI file omits F). A V or F payment stays succeeded: the payment's
 * own lifecycle ended in success and each refund or reversal is its own row, so reading V or F otherwise would
 * count the refund twice. The same holds for merchant-level rows (a reversed withdrawal comes back as T1101).
 */
const PAYMENT_STATUS: Record<string, Status> = {
  D: 'failed',
  P: 'pending',
  S: 'succeeded',
  V: 'succeeded',
  F: 'succeeded',
}
// A refund marked V was itself reversed; F (partially refunded) cannot happen to a refund, which went through.
const REFUND_STATUS: Record<string, Status> = {D: 'failed', P: 'pending', S: 'succeeded', V: 'canceled', F: 'succeeded'}
const BOOKING_STATUS = PAYMENT_STATUS

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
  const entry = eventCode(code)
  if (!entry) return {skipped: {externalId: info.transaction_id, code, reason: 'unknown_code'}}
  const treatment = entry.treatment
  if ('skip' in treatment) return {skipped: {externalId: info.transaction_id, code, reason: treatment.skip}}
  return finish(ctx, raw, info.transaction_id, () => rowFields(parsed.data, treatment))
}

interface RowFacts {
  /** transaction_amount with PayPal's sign: the effect on the merchant's balance. */
  effect: Money
  /** fee_amount with PayPal's sign, or null when the row carries no fee. */
  feeEffect: Money | null
  occurredAt: string
  updatedAt: string
}

function rowFields(row: TransactionDetail, treatment: Exclude<Treatment, {skip: unknown}>): TxnFields {
  const info = row.transaction_info
  const facts = rowFacts(info)
  if ('book' in treatment) return bookingFields(info, treatment.book, facts)
  // A customer's payment credits the merchant and a customer's refund debits it; the other direction is money
  // the merchant itself sent or got back, which no customer owes.
  if (treatment.post === 'payment')
    return facts.effect.minor >= 0 ? paymentFields(row, facts) : bookingFields(info, 'adjustment', facts)
  return facts.effect.minor <= 0 ? refundFields(row, facts) : bookingFields(info, 'adjustment', facts)
}

function rowFacts(info: Info): RowFacts {
  const effect = signedMoney(info.transaction_amount, 'transaction_info.transaction_amount')
  const feeEffect = info.fee_amount ? signedMoney(info.fee_amount, 'transaction_info.fee_amount') : null
  if (feeEffect && feeEffect.currency !== effect.currency)
    throw new Refusal('invalid_payload', 'transaction_info.fee_amount: currency differs from the transaction amount')
  const occurredAt = time(info.transaction_initiation_date, 'transaction_info.transaction_initiation_date')
  const updatedAt = info.transaction_updated_date
    ? time(info.transaction_updated_date, 'transaction_info.transaction_updated_date')
    : occurredAt
  return {effect, feeEffect, occurredAt, updatedAt}
}

function statusOf(table: Record<string, Status>, info: Info): Status {
  const status = table[info.transaction_status]
  if (!status)
    throw new Refusal(
      'invalid_payload',
      `transaction_info.transaction_status: unknown status ${JSON.stringify(info.transaction_status)}`,
    )
  return status
}

function paymentFields(row: TransactionDetail, facts: RowFacts): TxnFields {
  const info = row.transaction_info
  const status = statusOf(PAYMENT_STATUS, info)
  const amount = facts.effect
  // PayPal writes the fee a payment cost as a negative fee_amount; a payment's fee is positive.
  const fee = info.fee_amount ? money(info.fee_amount, 'transaction_info.fee_amount') : null
  const failure: Failure | null =
    status === 'failed'
      ? paypalFailure(
          DENIED_FAILURE_CODE,
          'PayPal denied the transaction (status D); the transaction search does not say why',
        )
      : null
  return {
    externalId: info.transaction_id,
    parentExternalId: null,
    type: 'payment',
    status,
    amount,
    fee,
    net: fee ? {minor: amount.minor - fee.minor, currency: amount.currency} : null,
    customerRef: row.payer_info?.account_id ?? null,
    invoiceRef: info.invoice_id ?? null,
    failure,
    occurredAt: facts.occurredAt,
    updatedAt: facts.updatedAt,
    metadata: compact({
      event_code: info.transaction_event_code,
      transaction_status: info.transaction_status,
      custom_field: info.custom_field,
    }),
  }
}

function refundFields(row: TransactionDetail, facts: RowFacts): TxnFields {
  const info = row.transaction_info
  const parent = info.paypal_reference_id
  if (!parent)
    throw new Refusal(
      'invalid_payload',
      'transaction_info.paypal_reference_id: a refund must name the payment it refunds',
    )
  return {
    externalId: info.transaction_id,
    parentExternalId: parent,
    type: 'refund',
    status: statusOf(REFUND_STATUS, info),
    amount: negated(facts.effect),
    // The fee change booked with the refund, signed: a fee PayPal returns (positive fee_amount) is negative.
    fee: facts.feeEffect ? negated(facts.feeEffect) : null,
    customerRef: row.payer_info?.account_id ?? null,
    invoiceRef: info.invoice_id ?? null,
    occurredAt: facts.occurredAt,
    updatedAt: facts.updatedAt,
    metadata: compact({
      event_code: info.transaction_event_code,
      transaction_status: info.transaction_status,
      custom_field: info.custom_field,
      fee_amount: info.fee_amount?.value,
    }),
  }
}

/**
 * A merchant-level booking. Its amount is the row's effect on the merchant's balance seen from the booking's
 * side: a fee charged and money paid out to the bank are positive (PayPal writes both as debits), an adjustment
 * keeps PayPal's sign. A fee on the row is the fee charged (positive) or returned (negative), like a refund's.
 */
function bookingFields(info: Info, booking: Booking, facts: RowFacts): TxnFields {
  const amount = booking === 'adjustment' ? facts.effect : negated(facts.effect)
  // The related transaction, for information only: it never makes the booking a customer's.
  const parent = info.paypal_reference_id_type === undefined || info.paypal_reference_id_type === 'TXN'
  return {
    externalId: info.transaction_id,
    parentExternalId: parent ? (info.paypal_reference_id ?? null) : null,
    type: booking,
    status: statusOf(BOOKING_STATUS, info),
    amount,
    fee: facts.feeEffect ? negated(facts.feeEffect) : null,
    customerRef: null,
    invoiceRef: null,
    siteRef: null,
    occurredAt: facts.occurredAt,
    updatedAt: facts.updatedAt,
    metadata: compact({
      yms_booking: info.transaction_event_code,
      event_code: info.transaction_event_code,
      transaction_status: info.transaction_status,
      invoice_id: info.invoice_id,
      custom_field: info.custom_field,
      transaction_subject: info.transaction_subject,
    }),
  }
}
