import {createHmac} from 'node:crypto'
import {readFileSync} from 'node:fs'

import {describe, expect, it} from 'vitest'

import type {WebhookEvent, WebhookVerification} from '../../../src/gateways/types.js'
import {dedupKeyFor, verifyAdyenWebhook} from '../../../src/gateways/adyen/webhook.js'

const KEY = '44782DEF547AAA06C910C43932B1EB0C71FC68D9D0C057550C48EC2ACF6BA056'
const ctx = {provider: 'adyen-eu', merchantAccount: 'YmsMerchant'}
const items = JSON.parse(
  readFileSync(new URL('../../fixtures/adyen/notifications.json', import.meta.url), 'utf8'),
) as Record<string, Record<string, unknown>>

/** Signs like Adyen, written independently of src/ (plain HMAC over the documented field order). */
function sign(item: Record<string, unknown>, key = KEY): Record<string, unknown> {
  const amount = item.amount as {value: number; currency: string}
  const data = [
    item.pspReference,
    item.originalReference ?? '',
    item.merchantAccountCode,
    item.merchantReference ?? '',
    amount.value,
    amount.currency,
    item.eventCode,
    item.success,
  ].join(':')
  const hmacSignature = createHmac('sha256', Buffer.from(key, 'hex')).update(data).digest('base64')
  return {...item, additionalData: {...((item.additionalData as object) ?? {}), hmacSignature}}
}

function deliver(item: Record<string, unknown>, key = KEY): WebhookVerification {
  const body = JSON.stringify({live: 'false', notificationItems: [{NotificationRequestItem: item}]})
  return verifyAdyenWebhook(
    {
      headers: {'content-type': 'application/json'},
      rawBody: Buffer.from(body),
      url: 'https://yms.example/webhooks/adyen-eu',
    },
    key,
    ctx,
  )
}

function only(name: string): WebhookEvent {
  const result = deliver(sign(items[name]!))
  if (!result.ok) throw new Error(`${name} refused: ${result.reason}`)
  expect(result.events).toHaveLength(1)
  return result.events[0]!
}

function txn(name: string) {
  const event = only(name)
  if (event.kind !== 'txn') throw new Error(`${name}: expected a txn, got ${JSON.stringify(event)}`)
  return event.item.txn
}

describe('adyen webhook verification', () => {
  it('accepts the SDK test vector (docs/gateways.md#adyen-webhooks)', () => {
    const item = {
      pspReference: 'pspReference',
      originalReference: 'originalReference',
      merchantAccountCode: 'merchantAccount',
      merchantReference: 'reference',
      amount: {value: 1000, currency: 'EUR'},
      eventCode: 'REPORT_AVAILABLE',
      eventDate: '2025-01-01T00:00:00+01:00',
      success: 'true',
      additionalData: {hmacSignature: 'ZNBPtI+oDyyRrLyD1XirkKnQgIAlFc07Vj27TeHsDRE='},
    }
    const result = deliver(item, 'DFB1EB5485895CFA84146406857104ABB4CBCABDC8AAF103A624C8F6A3EAAB00')
    expect(result).toMatchObject({
      ok: true,
      dedupKey: 'REPORT_AVAILABLE:pspReference:originalReference:true',
      ack: {status: 200, body: '[accepted]'},
    })
    const bad = deliver(
      {...item, additionalData: {hmacSignature: 'YNBPtI+oDyyRrLyD1XirkKnQgIAlFc07Vj27TeHsDRE='}},
      'DFB1EB5485895CFA84146406857104ABB4CBCABDC8AAF103A624C8F6A3EAAB00',
    )
    expect(bad.ok).toBe(false)
  })

  it('refuses tampered, unsigned, wrongly keyed and non-Adyen bodies', () => {
    const signed = sign(items.authorised!)
    expect(deliver({...signed, amount: {currency: 'EUR', value: 32501}}).ok).toBe(false)
    expect(deliver({...signed, success: 'false'}).ok).toBe(false)
    expect(deliver(items.authorised!).ok).toBe(false)
    expect(deliver(signed, 'AB'.repeat(32)).ok).toBe(false)
    const notJson = verifyAdyenWebhook({headers: {}, rawBody: Buffer.from('[accepted]'), url: 'x'}, KEY, ctx)
    expect(notJson).toMatchObject({ok: false})
    expect(deliver(signed, 'not-hex').ok).toBe(false)
  })

  it('dedups on eventCode, pspReference, originalReference and success', () => {
    const result = deliver(sign(items.refund!))
    expect(result.ok && result.dedupKey).toBe('REFUND:7715000000000005:8815000000000004:true')
    expect(dedupKeyFor({eventCode: 'AUTHORISATION', pspReference: 'P', success: 'false'})).toBe(
      'AUTHORISATION:P::false',
    )
  })
})

describe('adyen notification translation', () => {
  it('AUTHORISATION success=true is a succeeded payment with the shopper and invoice', () => {
    expect(txn('authorised')).toMatchObject({
      id: 'adyen-eu:8815000000000001',
      kind: 'adyen',
      type: 'payment',
      status: 'succeeded',
      parentExternalId: null,
      amount: {minor: 32_500, currency: 'EUR'},
      customerRef: 'shopper-c000001',
      invoiceRef: 'inv-000009',
      failure: null,
      occurredAt: '2025-02-24T14:20:56Z',
    })
  })

  it("a payment of the merchant's own checkout names its shopper, and no invoice from a reference that only looks like ours", () => {
    // additionalData.shopperReference comes with the webhook's shopper-details setting (test/fixtures/adyen/README.md).
    expect(txn('checkoutAuthorised')).toMatchObject({
      externalId: '8815000000000301',
      customerRef: 'shopper-c000009',
      invoiceRef: null,
      metadata: {merchantReference: '2024:05:0031'},
    })
  })

  it('AUTHORISATION success=false carries the refusal code and decision', () => {
    expect(txn('refusedBalance')).toMatchObject({
      status: 'failed',
      customerRef: 'shopper-c000002',
      invoiceRef: null,
      failure: {code: '12', message: 'Not enough balance', decision: 'retry'},
      occurredAt: '2025-07-01T07:00:00Z',
    })
    expect(txn('refusedExpired').failure).toEqual({
      code: '6',
      message: 'Expired Card',
      decision: 'terminal',
      basis: 'table',
      origin: 'decline',
    })
  })

  it("a refusal carries the card's brand, the raw acquirer response and Mastercard's advice code when Adyen adds them", () => {
    expect(txn('refusedMastercardAdvice').failure).toEqual({
      code: '12',
      message: 'Not enough balance',
      decision: 'retry',
      basis: 'table',
      origin: 'decline',
      network: 'mastercard',
      networkCode: '51',
      networkAdvice: '24',
    })
  })

  it('PENDING, REFUND and disputes', () => {
    expect(txn('pending')).toMatchObject({type: 'payment', status: 'pending'})
    expect(txn('refund')).toMatchObject({
      type: 'refund',
      status: 'succeeded',
      externalId: '7715000000000005',
      parentExternalId: '8815000000000004',
      amount: {minor: 500, currency: 'EUR'},
      customerRef: null,
    })
    expect(txn('refundFailed')).toMatchObject({type: 'refund', status: 'failed'})
    expect(txn('noticeOfChargeback')).toMatchObject({
      type: 'dispute',
      status: 'disputed',
      externalId: '6615000000000007',
      parentExternalId: '8815000000000004',
    })
    expect(txn('chargebackLost')).toMatchObject({type: 'dispute', status: 'lost', externalId: '6615000000000007'})
    expect(txn('chargebackReversed')).toMatchObject({type: 'dispute', status: 'won', externalId: '6615000000000007'})
  })

  it('REPORT_AVAILABLE names a report to fetch (by file name only); informational events are signals, other accounts are quarantined', () => {
    // The download URL the notification carries is not taken: the report is read from the configured report host.
    expect(only('reportAvailable')).toEqual({
      kind: 'fetch',
      ref: {object: 'report', id: 'settlement_detail_report_batch_12.csv'},
    })
    expect(only('requestForInformation')).toMatchObject({
      kind: 'signal',
      name: 'adyen_event',
      data: {eventCode: 'REQUEST_FOR_INFORMATION'},
    })
    expect(only('otherAccount')).toMatchObject({
      kind: 'invalid',
      item: {reason: 'invalid_payload', externalId: '8815000000000010'},
    })
  })

  it("reads amounts in Adyen's exponents (CLP/ISK 2, IDR/CVE 0)", () => {
    expect(txn('clp').amount).toEqual({minor: 1500, currency: 'CLP'})
    expect(txn('isk').amount).toEqual({minor: 990, currency: 'ISK'})
    expect(txn('idr').amount).toEqual({minor: 15_000_000, currency: 'IDR'})
    expect(txn('cve').amount).toEqual({minor: 25_000, currency: 'CVE'})
    expect(only('clpFractional')).toMatchObject({kind: 'invalid', item: {reason: 'unsupported_currency'}})
  })
})
