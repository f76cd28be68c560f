import {describe, expect, it} from 'vitest'

import {SearchResponseSchema} from '../../../src/gateways/paypal/schema.js'
import {paypalTimeToIso} from '../../../src/gateways/paypal/time.js'
import {type RowTranslation, translateTransaction} from '../../../src/gateways/paypal/search-row.js'
import {translateCapture, translateDispute, translateRefundResource} from '../../../src/gateways/paypal/translate.js'
import type {Translation} from '../../../src/gateways/translate-kit.js'
import {fixture} from './helpers.js'

const ctx = {provider: 'pp1'}

function ok(t: RowTranslation | Translation) {
  if ('skipped' in t) throw new Error(`skipped: ${t.skipped.reason}`)
  if (!t.ok) throw new Error(`quarantined: ${t.item.detail}`)
  return t.item.txn
}
function quarantined(t: RowTranslation | Translation) {
  if ('skipped' in t || t.ok) throw new Error('expected a quarantined item')
  return t.item
}

describe('transaction search rows', () => {
  it('translates the documented sample: +0000 offsets, absolute fee, net, payer, invoice', () => {
    const body = SearchResponseSchema.parse(fixture('search-response-docs.json'))
    const txn = ok(translateTransaction(body.transaction_details[0], ctx))
    expect(txn).toMatchObject({
      id: 'pp1:5TY05013RG002845M',
      kind: 'paypal',
      type: 'payment',
      status: 'succeeded',
      amount: {minor: 46_500, currency: 'USD'},
      fee: {minor: 1_379, currency: 'USD'},
      net: {minor: 45_121, currency: 'USD'},
      customerRef: '6STWC2LSUYYYE',
      invoiceRef: 'Invoice-005',
      parentExternalId: null,
      failure: null,
      occurredAt: '2014-07-11T04:03:52.000Z',
    })
  })

  it('reads a refund (T1107) with a negative value as a positive amount pointing at the payment; ±hhmm offsets', () => {
    const txn = ok(translateTransaction(fixture('row-refund.json'), ctx))
    expect(txn).toMatchObject({
      type: 'refund',
      status: 'succeeded',
      parentExternalId: '9GS80322P28628837',
      amount: {minor: 4_550, currency: 'USD'},
      // fee_amount +1.32: PayPal returned part of the payment's fee, so the refund's fee change is negative.
      fee: {minor: -132, currency: 'USD'},
    })
    expect(txn.occurredAt).toBe('2025-03-05T15:30:00.000Z') // 08:30 at -0700
    expect(txn.metadata.fee_amount).toBe('1.32')
  })

  it.each([
    ['row-denied.json', 'failed'],
    ['row-pending.json', 'pending'],
    ['row-reversed.json', 'succeeded'], // a payment's own lifecycle: the reversal is its own row
  ])('%s -> payment %s', (name, status) => {
    const txn = ok(translateTransaction(fixture(name), ctx))
    expect(txn.status).toBe(status)
    expect(txn.failure?.decision ?? null).toBe(status === 'failed' ? 'terminal' : null)
    if (status === 'failed') expect(txn.failure?.code).toBe('PAYMENT_DENIED')
  })

  it('JPY and HUF are whole amounts; KWD has three decimals', () => {
    expect(ok(translateTransaction(fixture('row-jpy.json'), ctx))).toMatchObject({
      amount: {minor: 12_000, currency: 'JPY'},
      fee: {minor: 388, currency: 'JPY'},
    })
    // HUF has two ISO decimals: 5000 HUF on PayPal's wire is 500000 ISO minor units.
    expect(ok(translateTransaction(fixture('row-huf.json'), ctx))).toMatchObject({
      type: 'refund',
      amount: {minor: 500_000, currency: 'HUF'},
    })
    expect(ok(translateTransaction(fixture('row-kwd.json'), ctx))).toMatchObject({
      amount: {minor: 12_345, currency: 'KWD'},
      fee: {minor: 460, currency: 'KWD'},
      net: {minor: 11_885, currency: 'KWD'},
    })
  })

  it('quarantines what it cannot read, naming the field', () => {
    expect(quarantined(translateTransaction(fixture('row-jpy-decimals.json'), ctx))).toMatchObject({
      reason: 'invalid_payload',
      externalId: '9GS80322P28628837',
    })
    expect(quarantined(translateTransaction(fixture('row-jpy-decimals.json'), ctx)).detail).toContain(
      'transaction_amount.value',
    )
    expect(quarantined(translateTransaction(fixture('row-unknown-currency.json'), ctx)).reason).toBe(
      'unsupported_currency',
    )
    expect(quarantined(translateTransaction(fixture('row-missing-amount.json'), ctx)).detail).toContain(
      'transaction_info.transaction_amount',
    )
    expect(quarantined(translateTransaction(fixture('row-refund-no-reference.json'), ctx)).detail).toContain(
      'paypal_reference_id',
    )
    const bad = quarantined(translateTransaction({transaction_info: {transaction_id: 'X'}}, ctx))
    expect(bad.raw).toEqual({transaction_info: {transaction_id: 'X'}})
  })

  it('skips chargeback rows (T12xx) visibly: disputes come from the disputes API', () => {
    const t = translateTransaction(fixture('row-chargeback.json'), ctx)
    expect('skipped' in t && t.skipped).toEqual({
      externalId: '8CB00000000000001',
      code: 'T1201',
      reason: 'dispute_movement',
    })
  })
})

describe('disputes', () => {
  it.each([
    ['dispute-resolved-buyer.json', 'lost'],
    ['dispute-resolved-seller.json', 'won'],
    ['dispute-open.json', 'disputed'],
  ])('%s -> %s', (name, status) => {
    const txn = ok(translateDispute(fixture(name), ctx))
    expect(txn).toMatchObject({
      type: 'dispute',
      status,
      parentExternalId: '3BC38643YC807283D',
      amount: {minor: 9_600, currency: 'USD'},
    })
  })

  it('quarantines a RESOLVED dispute whose outcome cannot be read', () => {
    expect(quarantined(translateDispute(fixture('dispute-resolved-unknown-outcome.json'), ctx)).detail).toContain(
      'dispute_outcome.outcome_code',
    )
  })

  it('quarantines a list summary (no disputed transaction) instead of guessing a parent', () => {
    const list = fixture<{items: unknown[]}>('dispute-list-docs.json')
    expect(quarantined(translateDispute(list.items[0], ctx)).detail).toContain('disputed_transactions')
  })
})

describe('webhook resources', () => {
  it('capture -> payment with fee from the receivable breakdown', () => {
    const txn = ok(translateCapture(fixture<{resource: unknown}>('webhook-capture-completed.json').resource, ctx))
    expect(txn).toMatchObject({
      externalId: '27M47624FP291604U',
      type: 'payment',
      status: 'succeeded',
      amount: {minor: 251},
      fee: {minor: 37},
      net: {minor: 214},
      customerRef: null,
    })
  })

  it('refund -> refund of the capture named by its up link', () => {
    const txn = ok(translateRefundResource(fixture<{resource: unknown}>('webhook-capture-refunded.json').resource, ctx))
    expect(txn).toMatchObject({
      externalId: '1Y107995YT783435V',
      type: 'refund',
      parentExternalId: '0JF852973C016714D',
      amount: {minor: 99},
      occurredAt: '2018-08-15T19:13:29.000Z',
    })
  })

  it("a refund's returned fee is negative, as on its search row: net 0.97 = gross 0.99 - paypal_fee 0.02", () => {
    const txn = ok(translateRefundResource(fixture<{resource: unknown}>('webhook-capture-refunded.json').resource, ctx))
    expect(txn.fee).toEqual({minor: -2, currency: 'USD'})
  })

  it('dispute resource -> open dispute', () => {
    const txn = ok(translateDispute(fixture<{resource: unknown}>('webhook-dispute-created.json').resource, ctx))
    expect(txn).toMatchObject({
      externalId: 'PP-000-042-663-135',
      status: 'disputed',
      parentExternalId: '00D10444LD479031K',
      amount: {minor: 300},
    })
  })
})

describe('paypalTimeToIso', () => {
  it.each([
    ['2024-07-11T04:03:52Z', '2024-07-11T04:03:52.000Z'],
    ['2024-07-11T04:03:52+0000', '2024-07-11T04:03:52.000Z'],
    ['2024-07-11T04:03:52+05:30', '2024-07-10T22:33:52.000Z'],
    ['2024-07-11T04:03:52-0700', '2024-07-11T11:03:52.000Z'],
    ['2024-07-11T04:03:52.999999Z', '2024-07-11T04:03:52.999Z'],
  ])('%s', (input, expected) => expect(paypalTimeToIso(input)).toBe(expected))

  it.each(['2024-07-11 04:03:52', '2024-07-11T04:03Z', 'yesterday', '2024-07-11T04:03:52+5'])('rejects %s', (input) =>
    expect(paypalTimeToIso(input)).toBeNull(),
  )
})
