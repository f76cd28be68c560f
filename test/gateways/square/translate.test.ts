import {describe, expect, it} from 'vitest'

import {NormalizedTxnSchema} from '../../../src/core/transaction.js'
import type {Translation} from '../../../src/gateways/translate-kit.js'
import {toIsoUtc, translateDispute, translatePayment, translateRefund} from '../../../src/gateways/square/translate.js'
import {fixture} from './fixtures.js'

const ctx = {providerId: 'sq-main'}

function txnOf(result: Translation) {
  if (!result.ok) throw new Error(`quarantined: ${result.item.detail}`)
  expect(NormalizedTxnSchema.parse(result.item.txn)).toEqual(result.item.txn)
  return result.item.txn
}

describe('Square payment translation', () => {
  it('completed card payment: amount, fee, net, customer, invoice, times, raw kept', () => {
    const raw = fixture('payment-completed')
    const result = translatePayment(raw, ctx)
    const txn = txnOf(result)
    expect(txn).toMatchObject({
      id: 'sq-main:bP9mAsEMYPUGjjGNaNO5ZDVyLhSZY',
      provider: 'sq-main',
      kind: 'square',
      externalId: 'bP9mAsEMYPUGjjGNaNO5ZDVyLhSZY',
      parentExternalId: null,
      type: 'payment',
      status: 'succeeded',
      amount: {minor: 555, currency: 'USD'},
      fee: {minor: 34, currency: 'USD'},
      net: {minor: 521, currency: 'USD'},
      customerRef: 'W92WH6P11H4Z77CTET0RNTGFW8',
      invoiceRef: 'inv-000042',
      siteRef: 'L88917AVBK2S5',
      failure: null,
      occurredAt: '2021-10-13T19:34:33.524Z',
      updatedAt: '2021-10-13T19:34:37.261Z',
    })
    expect(result.ok && result.item.raw).toBe(raw)
  })

  it('pending bank debit: pending, no fee yet', () => {
    const txn = txnOf(translatePayment(fixture('payment-pending'), ctx))
    expect(txn.status).toBe('pending')
    expect(txn.amount).toEqual({minor: 12050, currency: 'USD'})
    expect(txn.fee).toBeNull()
    expect(txn.net).toBeNull()
    expect(txn.metadata.source_type).toBe('BANK_ACCOUNT')
  })

  it('failed payment carries the decline code from card_details.errors and its decision', () => {
    const soft = txnOf(translatePayment(fixture('payment-failed'), ctx))
    expect(soft.status).toBe('failed')
    expect(soft.failure).toEqual({
      code: 'INSUFFICIENT_FUNDS',
      message: "Authorization error: 'INSUFFICIENT_FUNDS'",
      decision: 'retry',
      basis: 'table',
      origin: 'decline',
      network: 'mastercard',
    })
    const hard = txnOf(translatePayment(fixture('payment-failed-expired'), ctx))
    expect(hard.failure).toEqual({
      code: 'CARD_EXPIRED',
      message: "Authorization error: 'CARD_EXPIRED'",
      decision: 'terminal',
      basis: 'table',
      origin: 'decline',
      network: 'visa',
    })
  })

  it('an unknown decline code is terminal (docs/gateways.md#declines-and-retries)', () => {
    const raw = fixture('payment-failed') as {card_details: {errors: {code: string}[]}}
    raw.card_details.errors[0]!.code = 'SOMETHING_NEW'
    expect(txnOf(translatePayment(raw, ctx)).failure).toMatchObject({decision: 'terminal', basis: 'unmapped'})
  })

  it('maps every payment status', () => {
    const want = {
      APPROVED: 'authorized',
      PENDING: 'pending',
      COMPLETED: 'succeeded',
      CANCELED: 'canceled',
      FAILED: 'failed',
    }
    for (const [square, ours] of Object.entries(want)) {
      expect(txnOf(translatePayment({...fixture('payment-completed'), status: square}, ctx)).status).toBe(ours)
    }
  })

  it('JPY has no minor unit: 1500 yen total (tip included) stays 1500', () => {
    const txn = txnOf(translatePayment(fixture('payment-jpy'), ctx))
    expect(txn.amount).toEqual({minor: 1500, currency: 'JPY'})
    expect(txn.fee).toEqual({minor: 49, currency: 'JPY'})
  })

  it('KWD has three decimals: 12345 is 12.345 KWD; INITIAL and ADJUSTMENT fees add up', () => {
    const txn = txnOf(translatePayment(fixture('payment-kwd'), ctx))
    expect(txn.amount).toEqual({minor: 12345, currency: 'KWD'})
    expect(txn.fee).toEqual({minor: 370, currency: 'KWD'})
    expect(txn.net).toEqual({minor: 11975, currency: 'KWD'})
  })

  it('drift: amount_money.amount as a string is quarantined as invalid_payload naming the field, with the raw kept', () => {
    const raw = fixture('payment-amount-string')
    const result = translatePayment(raw, ctx)
    expect(result.ok).toBe(false)
    if (result.ok) return
    expect(result.item.reason).toBe('invalid_payload')
    expect(result.item.externalId).toBe('Dr1ftStr1ngAm0untXXXXXXXXXXZY')
    expect(result.item.detail).toContain('amount_money.amount')
    expect(result.item.raw).toBe(raw)
  })

  it('quarantines an unknown status, a missing id and an unknown currency without throwing', () => {
    const status = translatePayment({...fixture('payment-completed'), status: 'SETTLING'}, ctx)
    expect(!status.ok && status.item.detail).toContain('status')
    const {id: _id, ...noId} = fixture('payment-completed')
    const missing = translatePayment(noId, ctx)
    expect(!missing.ok && missing.item).toMatchObject({externalId: null, reason: 'invalid_payload'})
    expect(!missing.ok && missing.item.detail).toContain('id')
    const currency = translatePayment({...fixture('payment-completed'), total_money: {amount: 5, currency: 'ZZZ'}}, ctx)
    expect(!currency.ok && currency.item.reason).toBe('unsupported_currency')
    expect(translatePayment(null, ctx).ok).toBe(false)
    expect(translatePayment('payment', ctx).ok).toBe(false)
  })
})

describe('Square refund and dispute translation', () => {
  it('refund links to its payment and keeps the returned fee negative', () => {
    const txn = txnOf(translateRefund(fixture('refund-completed'), ctx))
    expect(txn).toMatchObject({
      externalId: 'bP9mAsEMYPUGjjGNaNO5ZDVyLhSZY_69MmgHubkLqx9wGhnmenRUHOaKitE6llfZuxcWYjGxd',
      parentExternalId: 'bP9mAsEMYPUGjjGNaNO5ZDVyLhSZY',
      type: 'refund',
      status: 'succeeded',
      amount: {minor: 555, currency: 'USD'},
      fee: {minor: -34, currency: 'USD'},
      customerRef: null,
      occurredAt: '2021-10-14T09:02:38.421Z',
    })
  })

  it('maps refund statuses; REJECTED and FAILED are failed', () => {
    const want = {PENDING: 'pending', COMPLETED: 'succeeded', REJECTED: 'failed', FAILED: 'failed'}
    for (const [square, ours] of Object.entries(want)) {
      expect(txnOf(translateRefund({...fixture('refund-completed'), status: square}, ctx)).status).toBe(ours)
    }
  })

  it('a refund without payment_id is quarantined', () => {
    const {payment_id: _p, ...raw} = fixture('refund-completed')
    const result = translateRefund(raw, ctx)
    expect(!result.ok && result.item.detail).toContain('payment_id')
  })

  it('dispute won vs lost, parent = disputed_payment.payment_id', () => {
    const won = txnOf(translateDispute(fixture('dispute-won'), ctx))
    expect(won).toMatchObject({
      type: 'dispute',
      status: 'won',
      parentExternalId: 'APgIq6RX2jM6DAtNdHcGlgAgtTbZY',
      amount: {minor: 4350, currency: 'USD'},
    })
    const lost = txnOf(translateDispute(fixture('dispute-lost'), ctx))
    expect(lost).toMatchObject({status: 'lost', parentExternalId: 'kBHX3UMY9xFdK0KjcpCWlg5o6yZY'})
    expect(txnOf(translateDispute({...fixture('dispute-lost'), state: 'ACCEPTED'}, ctx)).status).toBe('lost')
    expect(txnOf(translateDispute(fixture('dispute-open'), ctx)).status).toBe('disputed')
    for (const open of ['INQUIRY_EVIDENCE_REQUIRED', 'INQUIRY_PROCESSING', 'PROCESSING']) {
      expect(txnOf(translateDispute({...fixture('dispute-open'), state: open}, ctx)).status).toBe('disputed')
    }
  })
})

describe('toIsoUtc', () => {
  it('normalizes offsets and nanoseconds to UTC milliseconds', () => {
    expect(toIsoUtc('2022-07-13T20:30:59.037339943Z')).toBe('2022-07-13T20:30:59.037Z')
    expect(toIsoUtc('2022-07-13T22:30:59+02:00')).toBe('2022-07-13T20:30:59.000Z')
    expect(() => toIsoUtc('2022-07-13 20:30:59')).toThrow()
  })
})
