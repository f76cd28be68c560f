import {readFileSync} from 'node:fs'

import {describe, expect, it} from 'vitest'

import {translateDispute, translateTransaction} from '../../../src/gateways/braintree/translate.js'
import type {Translation} from '../../../src/gateways/translate-kit.js'
import {parseBraintreeXml} from '../../../src/gateways/braintree/xml.js'

const ctx = {providerId: 'bt-us'}
const fixture = (name: string): string =>
  readFileSync(new URL(`../../fixtures/braintree/${name}`, import.meta.url), 'utf8')

function translate(name: string): Translation {
  const parsed = parseBraintreeXml(fixture(name))
  if (!parsed.ok) throw new Error(parsed.reason)
  return parsed.root === 'dispute' ? translateDispute(parsed.value, ctx) : translateTransaction(parsed.value, ctx)
}

function txnOf(name: string) {
  const t = translate(name)
  if (!t.ok) throw new Error(`${name}: ${t.item.detail}`)
  return t.item.txn
}

describe('Braintree transaction XML -> NormalizedTxn', () => {
  it('a settled sale is a succeeded payment with customer, order id and exact amount', () => {
    expect(txnOf('sale-settled.xml')).toMatchObject({
      id: 'bt-us:a1b2c3d4',
      kind: 'braintree',
      type: 'payment',
      status: 'succeeded',
      parentExternalId: null,
      amount: {minor: 10000, currency: 'USD'},
      customerRef: '100000123',
      invoiceRef: 'inv-000042',
      failure: null,
      occurredAt: '2026-01-05T10:11:12.000Z',
      updatedAt: '2026-01-06T08:00:00.000Z',
      fee: null,
    })
  })

  it.each([
    ['sale-submitted-for-settlement.xml', 'pending', {minor: 1250, currency: 'EUR'}],
    ['sale-authorized.xml', 'authorized', {minor: 700, currency: 'USD'}],
    ['sale-voided.xml', 'canceled', {minor: 3000, currency: 'USD'}],
  ])('%s -> %s', (name, status, amount) => {
    expect(txnOf(name)).toMatchObject({type: 'payment', status, amount, failure: null})
  })

  it('declines carry the code and the decision: soft 2001 retry, hard 2004 terminal, AVS rejection terminal, settlement decline by its settlement code', () => {
    expect(txnOf('sale-processor-declined.xml')).toMatchObject({
      status: 'failed',
      failure: {code: '2001', message: 'Insufficient Funds', decision: 'retry'},
    })
    expect(txnOf('sale-hard-declined.xml')).toMatchObject({
      status: 'failed',
      failure: {code: '2004', decision: 'terminal'},
    })
    expect(txnOf('sale-gateway-rejected.xml')).toMatchObject({
      status: 'failed',
      failure: {code: 'gateway_rejected:avs', decision: 'terminal'},
    })
    expect(txnOf('sale-settlement-declined.xml')).toMatchObject({
      status: 'failed',
      failure: {code: '2001', decision: 'retry'},
    })
  })

  it('a credit with refunded-transaction-id is a refund of that sale', () => {
    expect(txnOf('credit-refund.xml')).toMatchObject({
      type: 'refund',
      status: 'succeeded',
      parentExternalId: 'a1b2c3d4',
      amount: {minor: 2500, currency: 'USD'},
    })
    expect(txnOf('credit-jpy.xml')).toMatchObject({
      type: 'refund',
      status: 'pending',
      parentExternalId: 'j1k2l3m4',
      amount: {minor: 1500, currency: 'JPY'},
    })
  })

  it('JPY amounts are whole yen and KWD keeps three decimals', () => {
    expect(txnOf('sale-jpy.xml').amount).toEqual({minor: 12000, currency: 'JPY'})
    expect(txnOf('sale-kwd.xml').amount).toEqual({minor: 12345, currency: 'KWD'})
  })

  it('quarantines, never throws: excess precision, an unknown status, a missing field, malformed XML', () => {
    const precise = translate('sale-usd-too-precise.xml')
    expect(precise).toMatchObject({
      ok: false,
      item: {externalId: 'a1b2c3f1', reason: 'invalid_payload', detail: expect.stringContaining('amount')},
    })
    expect(translate('sale-unknown-status.xml')).toMatchObject({
      ok: false,
      item: {reason: 'invalid_payload', detail: expect.stringContaining('teleported')},
    })
    expect(translateTransaction({id: 'x1', status: 'settled'}, ctx)).toMatchObject({
      ok: false,
      item: {externalId: 'x1', reason: 'invalid_payload', raw: {id: 'x1', status: 'settled'}},
    })
    expect(translateTransaction('nonsense', ctx)).toMatchObject({ok: false, item: {externalId: null}})
    expect(parseBraintreeXml(fixture('malformed.xml'))).toMatchObject({
      ok: false,
      reason: expect.stringContaining('malformed XML'),
    })
    const xxx = translateTransaction(
      {
        id: 'x2',
        status: 'settled',
        type: 'sale',
        'currency-iso-code': 'QQQ',
        amount: '1.00',
        'created-at': '2026-01-01T00:00:00Z',
      },
      ctx,
    )
    expect(xxx).toMatchObject({ok: false, item: {reason: 'unsupported_currency'}})
  })
})

describe('Braintree dispute XML -> NormalizedTxn', () => {
  it('open is disputed, won is won, lost and accepted are lost; the parent is the disputed sale', () => {
    expect(txnOf('dispute-open.xml')).toMatchObject({
      type: 'dispute',
      status: 'disputed',
      parentExternalId: 'a1b2c3d4',
      amount: {minor: 10000, currency: 'USD'},
      occurredAt: '2026-01-10T09:00:00.000Z',
    })
    expect(txnOf('dispute-won.xml').status).toBe('won')
    expect(txnOf('dispute-lost.xml').status).toBe('lost')
    expect(txnOf('dispute-accepted.xml').status).toBe('lost')
  })
})

describe('xml reader', () => {
  it('honours type="array", "integer", "boolean", "collection" and nil="true"', () => {
    const parsed = parseBraintreeXml(
      '<r type="collection"><n type="integer">42</n><b type="boolean">true</b><z nil="true"/><e type="array"/><one type="array"><item>a</item></one><two type="array"><item>a</item><item>b</item></two><t>x &amp; y</t></r>',
    )
    expect(parsed).toEqual({
      ok: true,
      root: 'r',
      value: {n: 42, b: true, z: null, e: [], one: ['a'], two: ['a', 'b'], t: 'x & y'},
    })
  })
})

describe('Braintree decline details for the retry engine (docs/gateways.md#braintree-declines)', () => {
  it("carries the soft/hard type as advice, the card's network, the network's response code and Mastercard's advice", () => {
    expect(txnOf('sale-declined-mastercard-advice.xml').failure).toEqual({
      code: '2001',
      message: 'Insufficient Funds',
      decision: 'retry',
      basis: 'advice',
      advice: 'soft_declined',
      origin: 'decline',
      network: 'mastercard',
      networkCode: '51',
      networkAdvice: '24',
    })
  })

  it('a gateway rejection is a decline decided by its table; a failed sale without a code was never sent to the card', () => {
    expect(txnOf('sale-gateway-rejected.xml').failure).toMatchObject({basis: 'table', origin: 'decline'})
    expect(txnOf('sale-hard-declined.xml').failure).toMatchObject({decision: 'terminal', origin: 'decline'})
  })
})
