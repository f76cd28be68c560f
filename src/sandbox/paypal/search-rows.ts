import type {Money} from '../../core/transaction.js'
import {PROFILES} from '../fees.js'
import {paymentStateAt, type ScenarioCustomer, type ScenarioPayment} from '../model.js'
import type {DisputeLeg, PaypalIds} from './ids.js'
import {refundFeeReturned} from './refund-fee.js'
import {pp, reportTime} from './render.js'

/**
 * The rows a scenario payment adds to the transaction search (docs/gateways.md#paypal-transaction-search), in
 * PayPal's vocabulary only: event codes from PayPal's T-code table, `transaction_status` D/P/S/V/F as PayPal's
 * API reference defines them, and amounts signed by direction relative to the merchant's account (credit
 * positive). A payment's row (T0006) changes status in place; refunds (T1107, with a positive fee_amount for the
 * part of the fee PayPal gives back: refund-fee.ts) and dispute movements are rows of their own pointing at the
 * payment (`paypal_reference_id`, type TXN):
 * - a chargeback (dispute channel EXTERNAL): T1201 when it opens, PayPal's chargeback fee T0106, and T1202 when
 *   the merchant wins it;
 * - a claim filed with PayPal (INTERNAL): a hold T1110 when it opens, its release T1111 when it is decided, and
 *   PayPal's payment reversal T1106 when the buyer wins.
 */
export interface ReportRow {
  id: string
  date: string // ISO UTC, the transaction date the search filters on
  denied: (now: string) => boolean
  render: (now: string) => Record<string, unknown>
  /** When and how the row changes the account's balance, if ever. */
  booked: Booked | null
}

/**
 * A row's booking: `net` is its effect on the balance (transaction_amount + fee_amount); `fees` what PayPal
 * charged with it (> 0) or gave back (< 0), in the same currency.
 */
export interface Booked {
  at: string
  net: Money
  fees: number
}

type RowFields = (fields: Record<string, unknown>) => Record<string, unknown>

/** PayPal's chargeback fee for the scenario: a fixed amount per currency (PayPal's own differs by country). */
export function chargebackFee(currency: string): Money {
  return {minor: (PROFILES[currency]?.fixedFee ?? 30) * 50, currency}
}

function payerInfo(customer: ScenarioCustomer | undefined): Record<string, unknown> | undefined {
  if (!customer) return undefined
  const [given = customer.name, ...rest] = customer.name.split(' ')
  return {
    account_id: customer.refs.paypal,
    email_address: customer.email,
    address_status: 'Y',
    payer_status: 'Y',
    payer_name: {given_name: given, surname: rest.join(' ') || given, alternate_full_name: customer.name},
    country_code:
      customer.site === 'berlin' ? 'DE' : customer.site === 'tokyo' ? 'JP' : customer.site === 'kuwait' ? 'KW' : 'US',
  }
}

const negate = (minor: number): number => 0 - minor
const negative = (m: Money): Money => ({minor: negate(m.minor), currency: m.currency})

/** A payment's rows in the transaction search: the payment, its refunds, and its dispute's movements. */
export function rowsFor(payment: ScenarioPayment, customer: ScenarioCustomer | undefined, ids: PaypalIds): ReportRow[] {
  const paymentId = ids.payment(payment.key)
  const payer = payerInfo(customer)
  const row: RowFields = (fields) => ({
    transaction_info: {paypal_account_id: customer?.refs.paypal, ...fields},
    ...(payer ? {payer_info: payer} : {}),
  })
  const invoice = payment.invoice ? {invoice_id: payment.invoice} : {}
  // Refunds and dispute movements never change status once they exist.
  const settled = (id: string, at: string, code: string, effect: Money, feeAmount: Money | null = null) =>
    movementRow(
      {
        id,
        at,
        code,
        effect,
        feeAmount,
        fees: feeAmount ? negate(feeAmount.minor) : 0,
        referenceId: paymentId,
        extra: invoice,
      },
      row,
    )
  const rows = [paymentRow(payment, paymentId, ids, row)]
  // A fee PayPal gives back with a refund is a credit on the refund's row: a positive fee_amount.
  for (const refund of payment.refunds)
    rows.push(
      settled(ids.refund(refund.key), refund.at, 'T1107', negative(refund.amount), refundFeeReturned(payment, refund)),
    )
  const d = payment.dispute
  if (!d) return rows
  const leg = (name: DisputeLeg) => ids.disputeRow(d.key, name)
  if (ids.channel(d.key) === 'EXTERNAL') {
    rows.push(settled(leg('chargeback'), d.openedAt, 'T1201', negative(d.amount)))
    // PayPal's own charge to the merchant: no counterparty, no payer; the whole row is a fee.
    const fee = chargebackFee(d.amount.currency)
    const feeRow = {id: leg('chargeback_fee'), at: d.openedAt, code: 'T0106', effect: negative(fee), feeAmount: null}
    rows.push(
      movementRow({...feeRow, fees: fee.minor, referenceId: paymentId, extra: {}}, (f) => ({transaction_info: f})),
    )
    if (d.closedAt && d.outcome === 'won') rows.push(settled(leg('chargeback_reversal'), d.closedAt, 'T1202', d.amount))
  } else {
    rows.push(settled(leg('claim_hold'), d.openedAt, 'T1110', negative(d.amount)))
    if (d.closedAt) rows.push(settled(leg('claim_release'), d.closedAt, 'T1111', d.amount))
    if (d.closedAt && d.outcome === 'lost')
      rows.push(settled(leg('claim_reversal'), d.closedAt, 'T1106', negative(d.amount)))
  }
  return rows
}

interface Movement {
  id: string
  at: string
  code: string
  /** transaction_amount, signed: its effect on the merchant's balance. */
  effect: Money
  /** fee_amount, signed the same way (a fee returned is positive), or null when the row carries none. */
  feeAmount: Money | null
  /** What PayPal charged (> 0) or gave back (< 0) with the row, for the balance (ReportRow.booked). */
  fees: number
  referenceId: string
  extra: Record<string, unknown>
}

function movementRow(m: Movement, row: RowFields): ReportRow {
  const net = {minor: m.effect.minor + (m.feeAmount?.minor ?? 0), currency: m.effect.currency}
  return {
    id: m.id,
    date: m.at,
    denied: () => false,
    booked: {at: m.at, net, fees: m.fees},
    render: () =>
      row({
        transaction_id: m.id,
        paypal_reference_id: m.referenceId,
        paypal_reference_id_type: 'TXN',
        transaction_event_code: m.code,
        transaction_initiation_date: reportTime(m.at),
        transaction_updated_date: reportTime(m.at),
        transaction_amount: pp(m.effect),
        ...(m.feeAmount ? {fee_amount: pp(m.feeAmount)} : {}),
        transaction_status: 'S',
        ...m.extra,
      }),
  }
}

/**
 * The payment's own row: its status and update date follow the payment's state at the moment of the search. S
 * once it succeeded; F once part of it went back to the buyer (a refund), V once all of it did (refunds, or
 * PayPal's reversal when a claim is lost); P pending; D denied.
 */
function paymentRow(payment: ScenarioPayment, paymentId: string, ids: PaypalIds, row: RowFields): ReportRow {
  const net = {minor: payment.amount.minor - payment.fee.minor, currency: payment.amount.currency}
  return {
    id: paymentId,
    date: payment.createdAt,
    denied: (now) => paymentStateAt(payment, now).status === 'failed',
    booked:
      payment.outcome === 'succeeded'
        ? {at: payment.settledAt ?? payment.createdAt, net, fees: payment.fee.minor}
        : null,
    render(now) {
      const state = paymentStateAt(payment, now)
      const returns = returnedAt(payment, ids, now)
      let status = state.status === 'pending' ? 'P' : state.status === 'failed' ? 'D' : 'S'
      if (status === 'S' && returns.minor > 0) status = returns.minor >= payment.amount.minor ? 'V' : 'F'
      let updated = payment.createdAt
      if (payment.settledAt && payment.settledAt <= now) updated = payment.settledAt
      if (returns.last && returns.last > updated) updated = returns.last
      return row({
        transaction_id: paymentId,
        transaction_event_code: 'T0006',
        transaction_initiation_date: reportTime(payment.createdAt),
        transaction_updated_date: reportTime(updated),
        transaction_amount: pp(payment.amount),
        ...(status === 'P' || status === 'D' ? {} : {fee_amount: pp(payment.fee, true)}),
        transaction_status: status,
        transaction_subject: 'Payment',
        ...(payment.invoice ? {invoice_id: payment.invoice} : {}),
        custom_field: payment.key,
        protection_eligibility: '01',
      })
    },
  }
}

/** How much of the payment went back to the buyer by `now` (refunds, a lost claim's reversal), and when last. */
function returnedAt(payment: ScenarioPayment, ids: PaypalIds, now: string): {minor: number; last: string | null} {
  const state = paymentStateAt(payment, now)
  let minor = state.refundedMinor
  let last = state.refunds.at(-1)?.at ?? null
  const d = payment.dispute
  if (d && d.outcome === 'lost' && d.closedAt && d.closedAt <= now && ids.channel(d.key) === 'INTERNAL') {
    minor += d.amount.minor
    last = last && last > d.closedAt ? last : d.closedAt
  }
  return {minor, last}
}
