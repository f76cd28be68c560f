import {readFileSync} from 'node:fs'

import {describe, expect, it} from 'vitest'

import {translateEvent} from '../../../src/gateways/stripe/events.js'
import type {Translation} from '../../../src/gateways/translate-kit.js'
import {translateCharge, translateDispute, translateRefund} from '../../../src/gateways/stripe/translate.js'

const fixture = (name: string): unknown =>
  JSON.parse(readFileSync(new URL(`../../fixtures/stripe/${name}.json`, import.meta.url), 'utf8'))
const ctx = {provider: 'stripe-eu'}

function ok(t: Translation) {
  if (!t.ok) throw new Error(`expected a transaction, got quarantine: ${t.item.detail}`)
  return t.item
}
function quarantined(t: Translation) {
  if (t.ok) throw new Error(`expected quarantine, got ${JSON.stringify(t.item.txn)}`)
  return t.item
}

describe('Stripe charge translation', () => {
  it('a succeeded charge becomes a payment with fee, net, customer, invoice and site from metadata', () => {
    const raw = fixture('charge-succeeded')
    const {txn, raw: kept} = ok(translateCharge(raw, ctx))
    expect(kept).toBe(raw)
    expect(txn).toMatchObject({
      id: 'stripe-eu:ch_3PgafuB7WZ01zgkW0XYmPNZs',
      provider: 'stripe-eu',
      kind: 'stripe',
      type: 'payment',
      status: 'succeeded',
      parentExternalId: null,
      amount: {minor: 2599, currency: 'USD'},
      fee: {minor: 105, currency: 'USD'},
      net: {minor: 2494, currency: 'USD'},
      customerRef: 'cus_QXg1aBcDeFgHiJ',
      invoiceRef: 'inv-7',
      siteRef: 'boston',
      failure: null,
      occurredAt: '2024-07-22T00:00:00Z',
    })
  })

  it('a pending bank debit stays pending, with no fee while its balance transaction is not expanded', () => {
    const {txn} = ok(translateCharge(fixture('charge-pending'), ctx))
    expect(txn.status).toBe('pending')
    expect(txn.amount).toEqual({minor: 10000, currency: 'EUR'})
    expect(txn.fee).toBeNull()
  })

  it('a failed charge carries the issuer decline code, not card_declined, and the advice decides', () => {
    const {txn} = ok(translateCharge(fixture('charge-failed'), ctx))
    expect(txn.status).toBe('failed')
    expect(txn.failure).toEqual({
      code: 'insufficient_funds',
      message: 'Your card has insufficient funds.',
      decision: 'retry',
      basis: 'advice',
      advice: 'try_again_later',
      origin: 'decline',
    })
    const stolen = ok(translateCharge(fixture('charge-failed-stolen'), ctx)).txn
    expect(stolen.failure).toMatchObject({code: 'stolen_card', decision: 'terminal'})
  })

  it("a failed charge carries the card's network and the network's own decline and advice codes", () => {
    const {txn} = ok(translateCharge(fixture('charge-failed-network-codes'), ctx))
    expect(txn.failure).toEqual({
      code: 'do_not_honor',
      message: 'Your card was declined.',
      decision: 'retry',
      basis: 'table',
      origin: 'decline',
      network: 'mastercard',
      networkCode: '05',
      networkAdvice: '03',
    })
  })

  it('zero-decimal JPY and three-decimal KWD keep their ISO minor units', () => {
    expect(ok(translateCharge(fixture('charge-jpy'), ctx)).txn.amount).toEqual({minor: 1500, currency: 'JPY'})
    expect(ok(translateCharge(fixture('charge-kwd'), ctx)).txn.amount).toEqual({minor: 5120, currency: 'KWD'})
  })

  it('ISK arrives as two-decimal with 00: 500 on the wire is 5 ISK; 550 cannot be exact and is quarantined', () => {
    expect(ok(translateCharge(fixture('charge-isk'), ctx)).txn.amount).toEqual({minor: 5, currency: 'ISK'})
    const bad = quarantined(translateCharge(fixture('charge-isk-bad'), ctx))
    expect(bad.reason).toBe('invalid_payload')
    expect(bad.externalId).toBe('ch_3PkIskB7WZ01zgkW3iskbad0')
    expect(bad.detail).toContain('amount')
  })

  it('drift: an amount sent as a string is quarantined with the raw payload and the field named', () => {
    const raw = fixture('charge-amount-string')
    const bad = quarantined(translateCharge(raw, ctx))
    expect(bad).toMatchObject({externalId: 'ch_3PkDrfB7WZ01zgkW3drift000', reason: 'invalid_payload'})
    expect(bad.raw).toBe(raw)
    expect(bad.detail).toMatch(/^charge: amount: .*number/)
  })

  it('a currency that is not ISO money is quarantined as unsupported_currency', () => {
    expect(quarantined(translateCharge(fixture('charge-unknown-currency'), ctx)).reason).toBe('unsupported_currency')
  })

  it('something that is not a charge at all is quarantined, not thrown', () => {
    expect(quarantined(translateCharge(null, ctx)).externalId).toBeNull()
    expect(quarantined(translateCharge({id: 're_1', object: 'refund'}, ctx)).detail).toContain('object')
  })
})

describe('Stripe refund and dispute translation', () => {
  it('a refund is its own transaction pointing at its charge', () => {
    const {txn} = ok(translateRefund(fixture('refund'), ctx))
    expect(txn).toMatchObject({
      externalId: 're_3PgafuB7WZ01zgkW0refund01',
      parentExternalId: 'ch_3PgafuB7WZ01zgkW0XYmPNZs',
      type: 'refund',
      status: 'succeeded',
      amount: {minor: 1000, currency: 'USD'},
      customerRef: null,
      occurredAt: '2024-07-25T00:00:00Z',
    })
  })

  it('a lost dispute is lost; a won one is won and dated by its reinstatement', () => {
    const lost = ok(translateDispute(fixture('dispute-lost'), ctx)).txn
    expect(lost).toMatchObject({
      type: 'dispute',
      status: 'lost',
      parentExternalId: 'ch_3PgafuB7WZ01zgkW0XYmPNZs',
      amount: {minor: 2599, currency: 'USD'},
    })
    const won = ok(translateDispute(fixture('dispute-won'), ctx)).txn
    expect(won.status).toBe('won')
    expect(won.updatedAt).toBe(new Date(1723248000 * 1000).toISOString().replace('.000Z', 'Z'))
  })

  it('a dispute carries the dispute fee its balance transactions booked, net of any returned (docs/gateways.md#stripe-amounts)', () => {
    // The fixtures' withdrawal books a 15.00 fee; the won dispute's reinstatement gives it back (fee -1500).
    expect(ok(translateDispute(fixture('dispute-lost'), ctx)).txn.fee).toEqual({minor: 1500, currency: 'USD'})
    expect(ok(translateDispute(fixture('dispute-won'), ctx)).txn.fee).toEqual({minor: 0, currency: 'USD'})
    const noFee = {...(fixture('dispute-lost') as object), balance_transactions: []}
    expect(ok(translateDispute(noFee, ctx)).txn.fee).toBeNull()
  })

  it('an open dispute is disputed', () => {
    const open = {...(fixture('dispute-lost') as object), status: 'needs_response'}
    expect(ok(translateDispute(open, ctx)).txn.status).toBe('disputed')
  })
})

describe('Stripe event translation', () => {
  const event = (type: string, object: unknown, created = 1722200000) => ({
    id: 'evt_1',
    object: 'event',
    type,
    created,
    data: {object},
  })

  it('charge lifecycle events yield the charge as of the event, dated by the event, and ask for the fee', () => {
    const t = translateEvent(event('charge.pending', fixture('charge-pending')), 'p')
    expect(t.items.map((i) => i.txn.status)).toEqual(['pending'])
    expect(t.items[0]?.txn.updatedAt).toBe('2024-07-28T20:53:20Z')
    expect(t.refetch).toEqual(['ch_3PhbqrB7WZ01zgkW1aSepaAb'])
    expect(translateEvent(event('charge.failed', fixture('charge-failed')), 'p').refetch).toEqual([])
  })

  it('refund and dispute events yield those objects; charge.refunded alone yields no second copy of the charge', () => {
    expect(translateEvent(event('refund.created', fixture('refund')), 'p').items[0]?.txn.type).toBe('refund')
    expect(translateEvent(event('charge.dispute.closed', fixture('dispute-won')), 'p').items[0]?.txn.status).toBe('won')
    expect(translateEvent(event('charge.refunded', fixture('charge-succeeded')), 'p').items).toEqual([])
  })

  it('a PaymentIntent event with its charge expanded yields the charge; with an id only, a signal', () => {
    const withCharge = translateEvent(
      event('payment_intent.succeeded', {
        id: 'pi_1',
        object: 'payment_intent',
        latest_charge: fixture('charge-succeeded'),
      }),
      'p',
    )
    expect(withCharge.items[0]?.txn.externalId).toBe('ch_3PgafuB7WZ01zgkW0XYmPNZs')
    const idOnly = translateEvent(
      event('payment_intent.succeeded', {id: 'pi_1', object: 'payment_intent', latest_charge: 'ch_9'}),
      'p',
    )
    expect(idOnly.items).toEqual([])
    expect(idOnly.signal).toEqual({name: 'payment_intent.succeeded', data: {payment_intent: 'pi_1', charge: 'ch_9'}})
  })

  it('a drifted object inside an event is quarantined, not dropped', () => {
    const t = translateEvent(event('charge.succeeded', fixture('charge-amount-string')), 'p')
    expect(t.items).toEqual([])
    expect(t.invalid[0]).toMatchObject({reason: 'invalid_payload', externalId: 'ch_3PkDrfB7WZ01zgkW3drift000'})
  })
})
