import {mkdtempSync, readFileSync, rmSync} from 'node:fs'
import {tmpdir} from 'node:os'
import {join} from 'node:path'

import {afterEach, describe, expect, it} from 'vitest'

import type {FetchedTxn, Quarantined} from '../../../src/core/transaction.js'
import {translateNotification} from '../../../src/gateways/adyen/translate.js'
import {translateTransaction as braintreeTransaction} from '../../../src/gateways/braintree/translate.js'
import {parseBraintreeXml} from '../../../src/gateways/braintree/xml.js'
import {translateTransaction as paypalRow} from '../../../src/gateways/paypal/search-row.js'
import type {GatewayKind} from '../../../src/gateways/registry.js'
import {
  translatePayment as squarePayment,
  translateRefund as squareRefund,
} from '../../../src/gateways/square/translate.js'
import {translateCharge, translateRefund as stripeRefund} from '../../../src/gateways/stripe/translate.js'
import type {Translation} from '../../../src/gateways/translate-kit.js'
import type {WebhookEvent} from '../../../src/gateways/types.js'
import {applyItems, serializeItems} from '../../../src/services/sync/apply.js'
import {openDatabase, type Db} from '../../../src/store/db.js'
import {upsertCustomers} from '../../../src/store/repos/customers.js'
import {addGrant} from '../../../src/store/repos/grants.js'
import {listQuarantine} from '../../../src/store/repos/quarantine.js'
import {insertProvider} from '../../../src/store/repos/providers.js'
import {upsertSites} from '../../../src/store/repos/sites.js'

/**
 * Issue 15, "No refund without its payment", through each gateway's own translation of its documented payloads
 * (test/fixtures/<kind>/, sources in docs/gateways.md): a payment that arrives unreadable is quarantined as invalid,
 * and its refund, which names it (and at some gateways names the customer too), must not credit the customer
 * alone. It waits (awaiting_parent) and applies in the same commit as the payment read again, fixed.
 */
const fixtures = new URL('../../fixtures/', import.meta.url)
const text = (path: string) => readFileSync(new URL(path, fixtures), 'utf8')
const json = (path: string) => JSON.parse(text(path)) as Record<string, unknown>

interface GatewayCase {
  kind: GatewayKind
  /** The customer's id at the gateway, as the fixtures carry it. */
  customerRef: string
  currency: string
  brokenPayment: Translation
  refund: Translation
  payment: Translation
  paid: number
  refunded: number
}

function translated(t: Translation | {skipped: {reason: string}}): Translation {
  if ('skipped' in t) throw new Error(`skipped: ${t.skipped.reason}`)
  return t
}

function fromEvent(e: WebhookEvent): Translation {
  if (e.kind === 'txn') return {ok: true, item: e.item}
  if (e.kind === 'invalid') return {ok: false, item: e.item}
  throw new Error(`a ${e.kind} event, not a transaction`)
}

function braintree(xml: string): Translation {
  const parsed = parseBraintreeXml(xml)
  if (!parsed.ok) throw new Error(parsed.reason)
  return braintreeTransaction(parsed.value, {providerId: 'braintree'})
}

const CASES: Array<() => GatewayCase> = [
  () => {
    const charge = json('stripe/charge-succeeded.json')
    const ctx = {provider: 'stripe'}
    return {
      kind: 'stripe',
      customerRef: String(charge.customer),
      currency: 'USD',
      brokenPayment: translateCharge({...charge, amount: String(charge.amount)}, ctx),
      refund: stripeRefund(json('stripe/refund.json'), ctx),
      payment: translateCharge(charge, ctx),
      paid: 2_599,
      refunded: 1_000,
    }
  },
  () => {
    const payment = json('square/payment-completed.json')
    const ctx = {providerId: 'square'}
    return {
      kind: 'square',
      customerRef: String(payment.customer_id),
      currency: 'USD',
      brokenPayment: squarePayment({...payment, amount_money: {amount: '555', currency: 'USD'}}, ctx),
      refund: squareRefund(json('square/refund-completed.json'), ctx),
      payment: squarePayment(payment, ctx),
      paid: 555,
      refunded: 555,
    }
  },
  () => {
    const sale = text('braintree/sale-settled.xml')
    return {
      kind: 'braintree',
      customerRef: '100000123',
      currency: 'USD',
      brokenPayment: braintree(sale.replace('<amount>100.00</amount>', '<amount>100.001</amount>')),
      refund: braintree(text('braintree/credit-refund.xml')),
      payment: braintree(sale),
      paid: 10_000,
      refunded: 2_500,
    }
  },
  () => {
    // The documented search response's checkout row, as the payment the documented refund row names.
    const refundRow = json('paypal/row-refund.json')
    const parentId = (refundRow.transaction_info as {paypal_reference_id: string}).paypal_reference_id
    const docs = json('paypal/search-response-docs.json') as {transaction_details: Array<Record<string, unknown>>}
    const row = docs.transaction_details[0]!
    const info = row.transaction_info as Record<string, unknown>
    const paymentRow = {...row, transaction_info: {...info, transaction_id: parentId}}
    const broken = {
      ...row,
      transaction_info: {
        ...info,
        transaction_id: parentId,
        transaction_amount: {currency_code: 'USD', value: '465.001'},
      },
    }
    const ctx = {provider: 'paypal'}
    return {
      kind: 'paypal',
      customerRef: '6STWC2LSUYYYE',
      currency: 'USD',
      brokenPayment: translated(paypalRow(broken, ctx)),
      refund: translated(paypalRow(refundRow, ctx)),
      payment: translated(paypalRow(paymentRow, ctx)),
      paid: 46_500,
      refunded: 4_550,
    }
  },
  () => {
    const items = json('adyen/notifications.json') as Record<string, Record<string, unknown>>
    const ctx = {provider: 'adyen', merchantAccount: 'YmsMerchant'}
    // The documented refund names payment 8815000000000004; here that payment is authorised (auto-capture).
    const authorised = {
      ...items.authorised!,
      pspReference: '8815000000000004',
      merchantReference: 'shopper-c000003::p000045',
      additionalData: {shopperReference: 'shopper-c000003'},
      amount: {currency: 'EUR', value: 1000},
    }
    const notify = (item: Record<string, unknown>) => fromEvent(translateNotification(ctx, item as never))
    return {
      kind: 'adyen',
      customerRef: 'shopper-c000003',
      currency: 'EUR',
      // 10.005 EUR in Adyen's two decimals is not a whole number of cents: refused.
      brokenPayment: notify({...authorised, amount: {currency: 'EUR', value: 1000.5}}),
      refund: notify(items.refund!),
      payment: notify(authorised),
      paid: 1_000,
      refunded: 500,
    }
  },
]

let db: Db | undefined
let dir: string | undefined
afterEach(() => {
  db?.close()
  if (dir) rmSync(dir, {recursive: true, force: true})
  db = undefined
  dir = undefined
})

function world(c: GatewayCase): Db {
  dir = mkdtempSync(join(tmpdir(), `yms-parent-${c.kind}-`))
  const d = openDatabase(join(dir, 'ledger.db'))
  d.write(() => {
    upsertSites(d, [{id: 'berlin', name: 'Berlin', currency: c.currency}])
    upsertCustomers(d, [{id: 'c1', site: 'berlin', segment: 'retail', refs: {[c.kind]: c.customerRef}}])
    insertProvider(d, {id: c.kind, kind: c.kind})
    addGrant(d, {provider: c.kind, segment: '*', site: '*', access: 'write'})
  })
  return d
}

function apply(d: Db, kind: GatewayKind, items: FetchedTxn[], invalid: Quarantined[]): void {
  const scope = {
    provider: kind,
    kind,
    actor: 'test',
    source: 'pull' as const,
    grants: [{segment: '*', site: '*', access: 'write' as const}],
    latencySince: null,
    customers: new Map(),
  }
  d.write(() => applyItems(d, scope, serializeItems(items), invalid))
}

const valid = (t: Translation): FetchedTxn => {
  if (!t.ok) throw new Error(`${t.item.reason}: ${t.item.detail}`)
  return t.item
}
const refused = (t: Translation): Quarantined => {
  if (t.ok) throw new Error(`${t.item.txn.id} translated although it was broken`)
  return t.item
}

function customerBalance(d: Db, currency: string): number {
  return d.raw
    .prepare(
      `SELECT COALESCE(SUM(amount_minor), 0) FROM ledger_postings WHERE account = 'customer:c1' AND currency = ?`,
    )
    .pluck()
    .get(currency) as number
}

describe('no refund without its payment, at every gateway', () => {
  it.each(CASES.map((make) => [make().kind, make] as const))(
    '%s: an invalid payment holds its refund; the payment read again fixed applies both',
    (_kind, make) => {
      const c = make()
      db = world(c)
      const refund = valid(c.refund)
      const payment = valid(c.payment)
      expect(refund.txn.type).toBe('refund')
      expect(refund.txn.parentExternalId).toBe(payment.txn.externalId)
      const broken = refused(c.brokenPayment)
      expect(broken.externalId).toBe(payment.txn.externalId)

      apply(db, c.kind, [refund], [broken])
      expect(listQuarantine(db, {status: 'open'}).map((q) => [q.externalId, q.reason])).toEqual([
        [payment.txn.externalId, broken.reason],
        [refund.txn.externalId, 'awaiting_parent'],
      ])
      expect(customerBalance(db, c.currency)).toBe(0) // not credited a refund of a payment it was never debited

      apply(db, c.kind, [payment], []) // the next sync reads the payment again, fixed at the gateway
      expect(listQuarantine(db, {status: 'open'})).toEqual([])
      expect(customerBalance(db, c.currency)).toBe(-c.paid + c.refunded)
    },
  )
})
