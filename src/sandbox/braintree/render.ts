import {formatGatewayDecimal} from '../../core/money.js'
import type {Money} from '../../core/transaction.js'
import {type BtDispute, type BtTxn, disputeStatusAt, statusAt} from './world.js'
import {el, wrap} from './xml-writer.js'
import {facts} from '../../gateways/braintree/facts.js'

/** Braintree's wire shapes (BT fixtures, braintree-go fixtures): datetimes to the second, decimal amounts. */
export const datetime = (ms: number): string => new Date(ms).toISOString().replace(/\.\d{3}Z$/, 'Z')
const date = (ms: number): string => new Date(ms).toISOString().slice(0, 10)
const amount = (m: Money): string => formatGatewayDecimal(m, facts.wire)
const dt = (name: string, ms: number | null): string =>
  ms === null ? el(name, null) : el(name, datetime(ms), {type: 'datetime'})

function disputeSummary(d: BtDispute, now: number): string {
  const state = disputeStatusAt(d, now)
  if (!state) return ''
  return wrap(
    'dispute',
    el('id', d.id) +
      el('amount', amount(d.transactionAmount)) +
      el('amount-disputed', amount(d.amount)) +
      el('currency-iso-code', d.amount.currency) +
      el('status', state.status) +
      el('kind', 'chargeback') +
      el('reason', d.reason) +
      el('received-date', date(d.openedAt), {type: 'date'}),
  )
}

export function renderTransaction(t: BtTxn, now: number): string {
  const current = statusAt(t, now)
  if (!current) throw new Error(`transaction ${t.id} does not exist at ${datetime(now)}`)
  const history = t.history
    .filter((e) => e.at <= now)
    .map((e) =>
      wrap(
        'status-event',
        dt('timestamp', e.at) +
          el('status', e.status) +
          el('amount', amount(t.amount)) +
          el('user', null) +
          el('transaction-source', 'api'),
      ),
    )
    .join('')
  const refunds = t.refunds
    .filter((r) => r.at <= now)
    .map((r) => el('item', r.id))
    .join('')
  const disputes = t.disputes.map((d) => disputeSummary(d, now)).join('')
  const updated = Math.max(current.at, ...t.refunds.filter((r) => r.at <= now).map((r) => r.at))
  const customer = t.customer
    ? wrap(
        'customer',
        el('id', t.customerId) +
          el('first-name', t.customer.firstName) +
          el('last-name', t.customer.lastName) +
          el('email', t.customer.email),
      )
    : wrap('customer', el('id', null))
  const settlementFields =
    current.status === 'settlement_declined' && t.settlement
      ? el('processor-settlement-response-code', t.settlement.code) +
        el('processor-settlement-response-text', t.settlement.text)
      : el('processor-settlement-response-code', '') + el('processor-settlement-response-text', '')
  return wrap(
    'transaction',
    el('id', t.id) +
      el('status', current.status) +
      el('type', t.type) +
      el('currency-iso-code', t.amount.currency) +
      el('amount', amount(t.amount)) +
      el('merchant-account-id', t.merchantAccountId) +
      el('order-id', t.orderId) +
      dt('created-at', t.createdAt) +
      dt('updated-at', updated) +
      customer +
      el('processor-response-code', t.processor.code) +
      el('processor-response-text', t.processor.text) +
      el('processor-response-type', t.processor.type) +
      settlementFields +
      el('gateway-rejection-reason', t.gatewayRejectionReason) +
      (t.networkResponseCode ? el('network-response-code', t.networkResponseCode) : '') +
      (t.merchantAdviceCode ? el('merchant-advice-code', t.merchantAdviceCode) : '') +
      el('refunded-transaction-id', t.refundedTransactionId) +
      wrap('refund-ids', refunds, {type: 'array'}) +
      wrap('disputes', disputes, {type: 'array'}) +
      wrap('status-history', history, {type: 'array'}) +
      el('payment-instrument-type', 'credit_card') +
      wrap(
        'credit-card',
        el('token', t.paymentMethodToken) +
          el('bin', '411111') +
          el('last-4', '1111') +
          el('card-type', t.cardType ?? 'Visa'),
      ),
  )
}

export function renderDispute(d: BtDispute, now: number): string {
  const state = disputeStatusAt(d, now)
  if (!state) throw new Error(`dispute ${d.id} does not exist at ${datetime(now)}`)
  const last = state.history[state.history.length - 1]
  const history = state.history
    .map((e) =>
      wrap(
        'status-history',
        el('status', e.status) + dt('timestamp', e.at) + el('effective-date', date(e.at), {type: 'date'}),
      ),
    )
    .join('')
  return wrap(
    'dispute',
    el('id', d.id) +
      el('amount', amount(d.transactionAmount)) +
      el('amount-disputed', amount(d.amount)) +
      el('amount-won', amount(state.status === 'won' ? d.amount : {minor: 0, currency: d.amount.currency})) +
      el('currency-iso-code', d.amount.currency) +
      el('kind', 'chargeback') +
      el('reason', d.reason) +
      el('status', state.status) +
      dt('created-at', d.openedAt) +
      dt('updated-at', last ? last.at : d.openedAt) +
      el('received-date', date(d.openedAt), {type: 'date'}) +
      el('reply-by-date', date(d.openedAt + 20 * 86_400_000), {type: 'date'}) +
      wrap('status-history', history, {type: 'array'}) +
      wrap(
        'transaction',
        el('id', d.transactionId) + el('amount', amount(d.transactionAmount)) + dt('created-at', null),
      ),
  )
}
