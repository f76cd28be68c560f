import {createHmac} from 'node:crypto'

import {describe, expect, it} from 'vitest'

import {adapter as squareAdapter} from '../../../src/gateways/square/client.js'
import {createSquareEmulator} from '../../../src/sandbox/square/emulator.js'
import {isValidSquareSignature, SIGNATURE_HEADER} from '../../../src/gateways/square/webhook.js'
import type {GatewayClient, WebhookVerification} from '../../../src/gateways/types.js'
import {paymentsFor, scenarioEvents} from '../../../src/sandbox/model.js'
import {manualClock, squareWorld} from './world.js'

// Square's own test vector (square SDKs' webhook tests; docs/gateways.md#square-webhooks): body byte-for-byte as there.
const VECTOR = {
  key: 'Ibxx_5AKakO-3qeNVR61Dw',
  url: 'https://webhook.site/679a4f3a-dcfa-49ee-bac5-9d0edad886b9',
  body: '{"merchant_id":"MLEFBHHSJGVHD","type":"webhooks.test_notification","event_id":"ac3ac95b-f97d-458c-a6e6-18981597e05f","created_at":"2022-07-13T20:30:59.037339943Z","data":{"type":"webhooks","id":"bc368e64-01aa-407e-b46e-3231809b1129"}}',
  signature: 'GF4YkrJgGBDZ9NIYbNXBnMzqb2HoL4RW/S6vkZ9/2N4=',
}

const scenario = squareWorld({seed: 5, customers: 30, transactions: 400})
const emulator = createSquareEmulator({scenario, share: 'own', clock: manualClock(scenario.end)})
const url = 'https://yms.example.com/hooks/square'

function client(settings: Record<string, string>, secrets: Record<string, string> = emulator.secrets): GatewayClient {
  return squareAdapter.connect(
    {providerId: 'sq', baseUrl: 'http://127.0.0.1:9', settings, secrets},
    {http: {request: () => Promise.reject(new Error('no HTTP in webhook tests'))}, clock: {now: () => 0}},
  )
}

function ok(v: WebhookVerification): Extract<WebhookVerification, {ok: true}> {
  if (!v.ok) throw new Error(`refused: ${v.reason}`)
  return v
}

describe('Square webhook signature', () => {
  it("passes Square's published test vector through our verifier", async () => {
    expect(isValidSquareSignature(VECTOR.key, VECTOR.url, Buffer.from(VECTOR.body), VECTOR.signature)).toBe(true)
    const verification = await client(
      {notification_url: VECTOR.url},
      {access_token: 't', signature_key: VECTOR.key},
    ).verifyWebhook({
      headers: {[SIGNATURE_HEADER]: VECTOR.signature},
      rawBody: Buffer.from(VECTOR.body),
      url: 'http://127.0.0.1:3000/behind-a-proxy',
    })
    // A test notification is signed and accepted, but carries no transaction.
    expect(ok(verification)).toMatchObject({
      dedupKey: 'ac3ac95b-f97d-458c-a6e6-18981597e05f',
      events: [{kind: 'signal', name: 'webhooks.test_notification'}],
    })
  })

  it('agrees with an independent HMAC computation and rejects near misses', () => {
    const body = Buffer.from('{"data":{"type":"webhooks","id":"fake_id"}}')
    const independent = createHmac('sha256', 'signature-key')
      .update(`https://webhook.site/webhooks${body.toString()}`)
      .digest('base64')
    expect(isValidSquareSignature('signature-key', 'https://webhook.site/webhooks', body, independent)).toBe(true)
    expect(isValidSquareSignature('signature-key', 'https://webhook.site/webhooks/', body, independent)).toBe(false)
    expect(
      isValidSquareSignature('signature-key', 'https://webhook.site/webhooks', body, independent.slice(0, -2)),
    ).toBe(false)
    expect(isValidSquareSignature('signature-kez', 'https://webhook.site/webhooks', body, independent)).toBe(false)
  })
})

describe('Square webhook verification and translation', () => {
  const payments = paymentsFor(scenario, 'square', 'own')
  const deliveries = emulator.webhooks(scenarioEvents(payments), url)
  const verify = (d: {headers: Record<string, string>; body: string}, settings = {notification_url: url}) =>
    client(settings).verifyWebhook({headers: d.headers, rawBody: Buffer.from(d.body), url})

  it('accepts every emulator delivery and de-duplicates on event_id', async () => {
    const keys = new Set<string>()
    for (const d of deliveries) {
      const v = ok(await verify(d))
      expect(v.dedupKey).toBe(d.dedupId)
      expect(v.dedupKey).toBe((JSON.parse(d.body) as {event_id: string}).event_id)
      keys.add(v.dedupKey)
      expect(v.events).toHaveLength(1)
      expect(v.events[0]?.kind).toBe('txn')
    }
    expect(keys.size).toBe(deliveries.length)
  })

  it('translates payment, refund and dispute events into the objects the pull sees', async () => {
    const types = new Set(deliveries.map((d) => (JSON.parse(d.body) as {type: string}).type))
    expect([...types].sort()).toEqual([
      'dispute.created',
      'dispute.state.updated',
      'payment.created',
      'payment.updated',
      'refund.created',
    ])

    const refunded = payments.find((p) => p.refunds.length > 0)!
    const refundDelivery = deliveries.find(
      (d) =>
        d.body.includes('"refund.created"') && d.body.includes(emulator.externalId('refund', refunded.refunds[0]!.key)),
    )!
    const refundEvent = ok(await verify(refundDelivery)).events[0]
    expect(refundEvent?.kind === 'txn' && refundEvent.item.txn).toMatchObject({
      type: 'refund',
      status: 'succeeded',
      parentExternalId: emulator.externalId('payment', refunded.key),
      amount: refunded.refunds[0]!.amount,
    })

    const failed = payments.find((p) => p.outcome === 'failed' && p.settledAt === null)!
    const failedDelivery = deliveries.find(
      (d) => d.body.includes('"payment.created"') && d.body.includes(emulator.externalId('payment', failed.key)),
    )!
    const failedEvent = ok(await verify(failedDelivery)).events[0]
    expect(failedEvent?.kind === 'txn' && failedEvent.item.txn.failure).toEqual({
      code: emulator.declineFor(failed.decline!).code,
      message: expect.any(String),
      decision: emulator.declineFor(failed.decline!).decision,
      basis: 'table',
      origin: 'decline',
      network: expect.any(String),
    })
  })

  it('refuses a tampered body, a missing header and a wrong notification_url', async () => {
    const d = deliveries[0]!
    const tampered = {...d, body: d.body.replace('"payment"', '"Payment"')}
    expect((await verify(tampered)).ok).toBe(false)
    const {[SIGNATURE_HEADER]: _sig, ...unsigned} = d.headers
    expect(await verify({...d, headers: unsigned})).toEqual({
      ok: false,
      reason: expect.stringContaining(SIGNATURE_HEADER),
    })
    expect((await verify(d, {notification_url: 'https://yms.example.com/hooks/other'})).ok).toBe(false)
  })

  it('needs notification_url and a signature_key, and says so', async () => {
    const d = deliveries[0]!
    const noUrl = await client({}).verifyWebhook({headers: d.headers, rawBody: Buffer.from(d.body), url})
    expect(noUrl).toEqual({ok: false, reason: expect.stringContaining('notification_url')})
    const noKey = await client({notification_url: url}, {access_token: 'x'}).verifyWebhook({
      headers: d.headers,
      rawBody: Buffer.from(d.body),
      url,
    })
    expect(noKey).toEqual({ok: false, reason: expect.stringContaining('signature_key')})
    expect(JSON.stringify(noKey)).not.toContain(emulator.secrets.signature_key)
  })

  it('verifies without the access token: only the pull and payments need it', async () => {
    const d = deliveries[0]!
    const v = await client({notification_url: url}, {signature_key: emulator.secrets.signature_key!}).verifyWebhook({
      headers: d.headers,
      rawBody: Buffer.from(d.body),
      url,
    })
    expect(ok(v).dedupKey).toBe(d.dedupId)
  })

  it('quarantines a signed event whose object drifted, keeping the raw body', async () => {
    const body = JSON.stringify({
      merchant_id: 'M1',
      type: 'payment.updated',
      event_id: 'evt-drift-1',
      created_at: '2025-01-01T00:00:00Z',
      data: {type: 'payment', id: 'P1', object: {payment: {id: 'P1', amount_money: {amount: '10', currency: 'USD'}}}},
    })
    const headers = {
      [SIGNATURE_HEADER]: createHmac('sha256', emulator.secrets.signature_key!)
        .update(url + body)
        .digest('base64'),
    }
    const v = ok(await verify({headers, body}))
    expect(v.dedupKey).toBe('evt-drift-1')
    const event = v.events[0]
    expect(event?.kind).toBe('invalid')
    expect(event?.kind === 'invalid' && event.item).toMatchObject({externalId: 'P1', reason: 'invalid_payload'})
    expect(event?.kind === 'invalid' && event.item.detail).toContain('amount_money.amount')

    const notJson = 'not json'
    const signed = {
      [SIGNATURE_HEADER]: createHmac('sha256', emulator.secrets.signature_key!)
        .update(url + notJson)
        .digest('base64'),
    }
    const v2 = ok(await verify({headers: signed, body: notJson}))
    expect(v2.events[0]?.kind).toBe('invalid')
  })
})
