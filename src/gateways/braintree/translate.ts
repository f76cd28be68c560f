import {assertCurrency} from '../../core/currency.js'
import {parseGatewayDecimal} from '../../core/money.js'
import {type FetchedTxn, type NormalizedTxn, NormalizedTxnSchema, type Quarantined} from '../../core/transaction.js'
import {gatewayRejectionDecision, processorDecision} from './classify.js'
import {type BraintreeDispute, BraintreeDisputeSchema, type BraintreeTransaction, BraintreeTransactionSchema, describeIssues} from './schema.js'
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
 * credit to the customer: adjustment). Disputes: open/disputed/under_review -> disputed; won -> won;
 * lost/accepted/auto_accepted/expired -> lost (accepting or letting it expire gives the money up).
 */
export interface TranslateContext {
  providerId: string
}

export type Translated = {ok: true; item: FetchedTxn} | {ok: false; item: Quarantined}

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

class Invalid extends Error {
  constructor(readonly reason: Quarantined['reason'], message: string) {
    super(message)
  }
}

function utc(value: string | null, field: string): string {
  if (value === null) throw new Invalid('invalid_payload', `${field} is missing`)
  const ms = DATETIME.test(value) ? Date.parse(value) : DATE.test(value) ? Date.parse(`${value}T00:00:00Z`) : Number.NaN
  if (Number.isNaN(ms)) throw new Invalid('invalid_payload', `${field} ${JSON.stringify(value)} is not a Braintree datetime`)
  return new Date(ms).toISOString()
}

function money(value: string | null, currency: string, field: string): NormalizedTxn['amount'] {
  if (value === null) throw new Invalid('invalid_payload', `${field} is missing`)
  let code: string
  try {
    code = assertCurrency(currency, 'currency-iso-code')
  } catch (error) {
    throw new Invalid('unsupported_currency', (error as Error).message)
  }
  try {
    const m = parseGatewayDecimal(value, code, facts.wire, field)
    if (m.minor < 0) throw new Error(`${field} ${JSON.stringify(value)} is negative`)
    return m
  } catch (error) {
    throw new Invalid('invalid_payload', (error as Error).message)
  }
}

function finish(raw: unknown, externalId: string | null, build: () => NormalizedTxn): Translated {
  try {
    const txn = build()
    const checked = NormalizedTxnSchema.safeParse(txn)
    if (!checked.success) return {ok: false, item: {externalId, reason: 'invalid_payload', detail: describeIssues(checked.error), raw}}
    return {ok: true, item: {txn: checked.data, raw}}
  } catch (error) {
    const reason = error instanceof Invalid ? error.reason : 'invalid_payload'
    return {ok: false, item: {externalId, reason, detail: (error as Error).message, raw}}
  }
}

function idOf(raw: unknown): string | null {
  if (raw && typeof raw === 'object' && 'id' in raw && (typeof raw.id === 'string' || typeof raw.id === 'number')) return String(raw.id)
  return null
}

function failureOf(t: BraintreeTransaction): NormalizedTxn['failure'] {
  switch (t.status) {
    case 'processor_declined': {
      const code = t['processor-response-code'] ?? 'processor_declined'
      return {code, message: t['processor-response-text'] ?? 'Processor declined', decision: processorDecision(code, t['processor-response-type'])}
    }
    case 'settlement_declined': {
      // The authorization was approved; the decline is the settlement's own code.
      const code = t['processor-settlement-response-code'] ?? 'settlement_declined'
      return {code, message: t['processor-settlement-response-text'] ?? 'Settlement declined', decision: processorDecision(code)}
    }
    case 'gateway_rejected': {
      const reason = t['gateway-rejection-reason']
      return {code: `gateway_rejected:${reason ?? 'unknown'}`, message: `Gateway rejected (${reason ?? 'no reason given'})`, decision: gatewayRejectionDecision(reason)}
    }
    case 'failed': {
      const code = t['processor-response-code']
      return code && code !== '1000'
        ? {code, message: t['processor-response-text'] ?? 'Failed', decision: processorDecision(code, t['processor-response-type'])}
        : {code: 'failed', message: t['processor-response-text'] ?? 'The processor could not be reached', decision: 'retry'}
    }
    default:
      return null
  }
}

export function translateTransaction(raw: unknown, ctx: TranslateContext): Translated {
  const externalId = idOf(raw)
  return finish(raw, externalId, () => {
    const parsed = BraintreeTransactionSchema.safeParse(raw)
    if (!parsed.success) throw new Invalid('invalid_payload', `transaction: ${describeIssues(parsed.error)}`)
    const t = parsed.data
    const status = TXN_STATUS[t.status]
    if (!status) throw new Invalid('invalid_payload', `transaction status ${JSON.stringify(t.status)} is not one Braintree documents`)
    let type: NormalizedTxn['type']
    let parent: string | null = null
    if (t.type === 'sale') type = 'payment'
    else if (t.type === 'credit') {
      parent = t['refunded-transaction-id']
      type = parent ? 'refund' : 'adjustment'
    } else throw new Invalid('invalid_payload', `transaction type ${JSON.stringify(t.type)} is neither sale nor credit`)
    const occurredAt = utc(t['created-at'], 'created-at')
    const metadata: Record<string, string> = {braintree_status: t.status}
    if (t['merchant-account-id']) metadata.merchant_account_id = t['merchant-account-id']
    if (t['processor-response-type']) metadata.processor_response_type = t['processor-response-type']
    return {
      id: `${ctx.providerId}:${t.id}`,
      provider: ctx.providerId,
      kind: 'braintree',
      externalId: t.id,
      parentExternalId: parent,
      type,
      status,
      amount: money(t.amount, t['currency-iso-code'], 'amount'),
      fee: null, // Braintree reports fees in disbursement/settlement reports, not on the transaction
      net: null,
      customerRef: t.customer,
      invoiceRef: t['order-id'],
      siteRef: null,
      failure: status === 'failed' ? failureOf(t) : null,
      occurredAt,
      updatedAt: t['updated-at'] ? utc(t['updated-at'], 'updated-at') : occurredAt,
      metadata,
    }
  })
}

export function translateDispute(raw: unknown, ctx: TranslateContext): Translated {
  const externalId = idOf(raw)
  return finish(raw, externalId, () => {
    const parsed = BraintreeDisputeSchema.safeParse(raw)
    if (!parsed.success) throw new Invalid('invalid_payload', `dispute: ${describeIssues(parsed.error)}`)
    const d: BraintreeDispute = parsed.data
    const status = DISPUTE_STATUS[d.status]
    if (!status) throw new Invalid('invalid_payload', `dispute status ${JSON.stringify(d.status)} is not one Braintree documents`)
    const occurredAt = utc(d['created-at'] ?? d['date-opened'] ?? d['received-date'], 'created-at')
    const metadata: Record<string, string> = {braintree_status: d.status}
    if (d.kind) metadata.dispute_kind = d.kind
    if (d.reason) metadata.dispute_reason = d.reason
    return {
      id: `${ctx.providerId}:${d.id}`,
      provider: ctx.providerId,
      kind: 'braintree',
      externalId: d.id,
      parentExternalId: d.transaction.id,
      type: 'dispute',
      status,
      amount: money(d['amount-disputed'] ?? d.amount, d['currency-iso-code'], d['amount-disputed'] ? 'amount-disputed' : 'amount'),
      fee: null,
      net: null,
      customerRef: null,
      invoiceRef: null,
      siteRef: null,
      failure: null,
      occurredAt,
      updatedAt: d['updated-at'] ? utc(d['updated-at'], 'updated-at') : occurredAt,
      metadata,
    }
  })
}
