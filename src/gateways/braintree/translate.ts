import type {Failure, Money, NormalizedTxn} from '../../core/transaction.js'
import {networkOfBrand} from '../../core/retry/card-network.js'
import {normalizeAdviceCode} from '../../core/retry/mastercard-advice.js'
import {normalizeNetworkCode} from '../../core/retry/network-codes.js'
import {buildTxn, decimalMoney, invalidShape, Refusal, type Translation, type TxnFields} from '../translate-kit.js'
import {gatewayRejectionVerdict, processorVerdict} from './classify.js'
import {
  type BraintreeDispute,
  BraintreeDisputeSchema,
  type BraintreeTransaction,
  BraintreeTransactionSchema,
  describeIssues,
} from './schema.js'
import {facts} from './facts.js'

/**
 * Braintree transaction / dispute (as read by xml.ts) -> NormalizedTxn, following src/core/transaction.ts.
 *
 * Status (BT `transaction.js`). A sale submitted for settlement is captured but not yet settled: it can still
 * end `settlement_declined` (bank debits, some processors), so it stays `pending` until `settled`; the ledger
 * then books money that has actually moved.
 * - authorizing, submitted_for_settlement, settling, settlement_pending -> pending
 * - authorized -> authorized · settled, settlement_confirmed -> succeeded
 * - processor_declined, gateway_rejected, failed, settlement_declined -> failed (with the code and its decision)
 * - voided, authorization_expired -> canceled
 * Type: sale -> payment; credit -> refund of `refunded-transaction-id` (a credit without one is a standalone
 * credit to the customer: a refund with no payment, which the customer's own id places; `adjustment` is for money
 * between Braintree and the merchant, which a transaction never is). Disputes: open/disputed/under_review -> disputed; won -> won;
 * lost/accepted/auto_accepted/expired -> lost (accepting or letting it expire gives the money up).
 */
export interface TranslateContext {
  /** The provider id (connection name): NormalizedTxn.id is `${providerId}:${externalId}`. */
  providerId: string
}

const TXN_STATUS: Readonly<Record<string, NormalizedTxn['status']>> = {
  authorizing: 'pending',
  submitted_for_settlement: 'pending',
  settling: 'pending',
  settlement_pending: 'pending',
  authorized: 'authorized',
  settled: 'succeeded',
  settlement_confirmed: 'succeeded',
  processor_declined: 'failed',
  gateway_rejected: 'failed',
  failed: 'failed',
  settlement_declined: 'failed',
  voided: 'canceled',
  authorization_expired: 'canceled',
}

const DISPUTE_STATUS: Readonly<Record<string, NormalizedTxn['status']>> = {
  open: 'disputed',
  disputed: 'disputed',
  under_review: 'disputed',
  won: 'won',
  lost: 'lost',
  accepted: 'lost',
  auto_accepted: 'lost',
  expired: 'lost',
}

const DATETIME = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?(Z|[+-]\d{2}:?\d{2})$/
const DATE = /^\d{4}-\d{2}-\d{2}$/

function utc(value: string | null, field: string): string {
  if (value === null) throw new Refusal('invalid_payload', `${field} is missing`)
  const ms = DATETIME.test(value) ? Date.parse(value) : DATE.test(value) ? Date.parse(`${value}T00:00:00Z`) : Number.NaN
  if (Number.isNaN(ms))
    throw new Refusal('invalid_payload', `${field} ${JSON.stringify(value)} is not a Braintree datetime`)
  return new Date(ms).toISOString()
}

/** A decimal amount through Braintree's currency rules; amounts are positive, the type says which way money moves. */
function money(value: string | null, currency: string, field: string): Money {
  if (value === null) throw new Refusal('invalid_payload', `${field} is missing`)
  const m = decimalMoney(value, currency, facts.wire, field)
  if (m.minor < 0) throw new Refusal('invalid_payload', `${field} ${JSON.stringify(value)} is negative`)
  return m
}

const finish = (raw: unknown, externalId: string, ctx: TranslateContext, build: () => TxnFields): Translation =>
  buildTxn({provider: ctx.providerId, kind: facts.kind}, raw, externalId, build)

function failureOf(t: BraintreeTransaction): Failure | null {
  switch (t.status) {
    case 'processor_declined':
      return declined(t, t['processor-response-code'] ?? 'processor_declined', t['processor-response-text'], {
        type: t['processor-response-type'],
        fallback: 'Processor declined',
      })
    case 'settlement_declined':
      // The authorization was approved; the decline is the settlement's own code.
      return declined(
        t,
        t['processor-settlement-response-code'] ?? 'settlement_declined',
        t['processor-settlement-response-text'],
        {
          type: null,
          fallback: 'Settlement declined',
        },
      )
    case 'gateway_rejected': {
      const reason = t['gateway-rejection-reason']
      return withCard(t, {
        code: `gateway_rejected:${reason ?? 'unknown'}`,
        message: `Gateway rejected (${reason ?? 'no reason given'})`,
        ...gatewayRejectionVerdict(reason),
        origin: 'decline',
      })
    }
    case 'failed': {
      const code = t['processor-response-code']
      if (code && code !== '1000')
        return declined(t, code, t['processor-response-text'], {type: t['processor-response-type'], fallback: 'Failed'})
      // The processor was not reached: nothing was asked of the card, and trying again is safe.
      return {
        code: 'failed',
        message: t['processor-response-text'] ?? 'The processor could not be reached',
        decision: 'retry',
        basis: 'table',
        origin: 'request',
      }
    }
    default:
      return null
  }
}

/** A decline by code, with Braintree's soft/hard type as advice when it decided, and the network's own codes. */
function declined(
  t: BraintreeTransaction,
  code: string,
  text: string | null,
  opts: {type: string | null; fallback: string},
): Failure {
  const verdict = processorVerdict(code, opts.type)
  const failure: Failure = {code, message: text ?? opts.fallback, ...verdict, origin: 'decline'}
  if (verdict.basis === 'advice' && opts.type) failure.advice = opts.type
  const networkCode = normalizeNetworkCode(t['network-response-code'])
  if (networkCode) failure.networkCode = networkCode
  const networkAdvice = normalizeAdviceCode(t['merchant-advice-code'])
  if (networkAdvice) failure.networkAdvice = networkAdvice
  return withCard(t, failure)
}

/** The card's network (a PayPal account or a bank account is no card of the merchant's). */
function withCard(t: BraintreeTransaction, failure: Failure): Failure {
  const instrument = t['payment-instrument-type']
  const network =
    instrument === 'paypal_account' || instrument === 'us_bank_account' ? 'none' : networkOfBrand(t['credit-card'])
  return network ? {...failure, network} : failure
}

export function translateTransaction(raw: unknown, ctx: TranslateContext): Translation {
  const parsed = BraintreeTransactionSchema.safeParse(raw)
  if (!parsed.success) return invalidShape(raw, 'transaction', describeIssues(parsed.error))
  const t = parsed.data
  return finish(raw, t.id, ctx, () => transactionFields(t))
}

function transactionFields(t: BraintreeTransaction): TxnFields {
  const status = TXN_STATUS[t.status]
  if (!status)
    throw new Refusal(
      'invalid_payload',
      `transaction status ${JSON.stringify(t.status)} is not one Braintree documents`,
    )
  let type: NormalizedTxn['type']
  let parent: string | null = null
  if (t.type === 'sale') type = 'payment'
  else if (t.type === 'credit') {
    parent = t['refunded-transaction-id']
    type = 'refund'
  } else throw new Refusal('invalid_payload', `transaction type ${JSON.stringify(t.type)} is neither sale nor credit`)
  const occurredAt = utc(t['created-at'], 'created-at')
  const metadata: Record<string, string> = {braintree_status: t.status}
  if (t['merchant-account-id']) metadata.merchant_account_id = t['merchant-account-id']
  if (t['processor-response-type']) metadata.processor_response_type = t['processor-response-type']
  return {
    externalId: t.id,
    parentExternalId: parent,
    type,
    status,
    amount: money(t.amount, t['currency-iso-code'], 'amount'),
    fee: null, // Braintree reports fees in disbursement/settlement reports, not on the transaction
    net: null,
    customerRef: t.customer,
    invoiceRef: t['order-id'],
    failure: status === 'failed' ? failureOf(t) : null,
    occurredAt,
    updatedAt: t['updated-at'] ? utc(t['updated-at'], 'updated-at') : occurredAt,
    metadata,
  }
}

export function translateDispute(raw: unknown, ctx: TranslateContext): Translation {
  const parsed = BraintreeDisputeSchema.safeParse(raw)
  if (!parsed.success) return invalidShape(raw, 'dispute', describeIssues(parsed.error))
  const d = parsed.data
  return finish(raw, d.id, ctx, () => disputeFields(d))
}

function disputeFields(d: BraintreeDispute): TxnFields {
  const status = DISPUTE_STATUS[d.status]
  if (!status)
    throw new Refusal('invalid_payload', `dispute status ${JSON.stringify(d.status)} is not one Braintree documents`)
  const occurredAt = utc(d['created-at'] ?? d['date-opened'] ?? d['received-date'], 'created-at')
  const metadata: Record<string, string> = {braintree_status: d.status}
  if (d.kind) metadata.dispute_kind = d.kind
  if (d.reason) metadata.dispute_reason = d.reason
  return {
    externalId: d.id,
    parentExternalId: d.transaction.id,
    type: 'dispute',
    status,
    amount: money(
      d['amount-disputed'] ?? d.amount,
      d['currency-iso-code'],
      d['amount-disputed'] ? 'amount-disputed' : 'amount',
    ),
    occurredAt,
    updatedAt: d['updated-at'] ? utc(d['updated-at'], 'updated-at') : occurredAt,
    metadata,
  }
}
