import {hmacValidator, type Types} from '@adyen/api-library'
import braintree from 'braintree'
import {WebhooksHelper} from 'square'
import Stripe from 'stripe'
import {Agent, request} from 'undici'
import {afterAll, beforeAll, describe, expect, it} from 'vitest'

import {squareSignature} from '../../../src/gateways/square/webhook.js'
import {generateScenario} from '../../../src/sandbox/generate.js'
import type {SignedWebhook} from '../../../src/sandbox/emulator.js'
import {paymentsFor, type ScenarioPayment} from '../../../src/sandbox/model.js'
import {manualClock} from '../../helpers/sync-world.js'
import {connectAll, fetchesSettled, makeHome, serveHooks, startWorld, type HookHome, type HookWorld} from './world.js'

/**
 * Signatures made by code nobody here wrote: the official `stripe` SDK's generateTestHeaderString, Adyen's
 * HmacValidator and Braintree's webhook testing gateway sign the emulators' payloads; Square's SDK only verifies,
 * so its WebhooksHelper must accept what is posted. Each goes to `webhooks serve` and the ledger changes; a tampered
 * body, a stale timestamp and an unknown key are refused; the same event posted five times applies once.
 */
const scenario = generateScenario({
  seed: 31,
  customers: 20,
  transactions: 120,
  start: '2026-02-01T00:00:00.000Z',
  end: '2026-02-20T00:00:00.000Z',
  gateways: ['stripe', 'adyen', 'square', 'braintree'],
})
const clock = manualClock('2026-02-21T00:00:00.000Z')
const agent = new Agent({connections: 16})
let world: HookWorld
let h: HookHome
let base: string

beforeAll(async () => {
  h = await makeHome({scenario, clock})
  base = (await serveHooks(h)).url
  world = await startWorld({scenario, clock, kinds: ['stripe', 'adyen', 'square', 'braintree']})
  await connectAll(h, world, `${base}/webhooks/{kind}`)
}, 60_000)

afterAll(async () => {
  await h?.close()
  await world?.close()
  await agent.close()
})

const settled = (kind: string): ScenarioPayment[] =>
  paymentsFor(scenario, kind as 'stripe', 'own').filter((p) => p.outcome === 'succeeded' && p.settledAt === null)

/** The emulator's signed webhook announcing a payment (the payload is re-signed by the SDK under test). */
function payload(kind: 'stripe' | 'adyen' | 'square' | 'braintree', payment: ScenarioPayment): SignedWebhook {
  const [hook] = world.emulators
    .get(kind)!
    .webhooks([{at: payment.createdAt, type: 'payment.created', payment}], `${base}/webhooks/${kind}`)
  if (!hook) throw new Error(`${kind} announces no webhook for ${payment.key}`)
  return hook
}

async function post(kind: string, headers: Record<string, string>, body: string) {
  const res = await request(`${base}/webhooks/${kind}`, {method: 'POST', headers, body, dispatcher: agent})
  return {status: res.statusCode, body: await res.body.text()}
}

const postings = (txnId: string) =>
  h.db.raw.prepare('SELECT COUNT(*) FROM ledger_postings WHERE txn_id = ?').pluck().get(txnId) as number
const deliveries = (provider: string) =>
  h.db.raw.prepare('SELECT SUM(deliveries) FROM webhook_events WHERE provider = ?').pluck().get(provider) as number

/** Posts the same signed event five times: every answer 2xx, one stored event, the ledger moved once. */
async function fiveTimes(kind: string, headers: Record<string, string>, body: string, txnId: string): Promise<void> {
  const before = deliveries(kind) ?? 0
  const first = await post(kind, headers, body)
  expect(first.status, first.body).toBe(200)
  await fetchesSettled(h.db)
  const moved = postings(txnId)
  expect(moved, `${kind}: the ledger changed`).toBeGreaterThan(0)
  for (let i = 0; i < 4; i++) expect((await post(kind, headers, body)).status).toBe(200)
  await fetchesSettled(h.db)
  expect(postings(txnId)).toBe(moved)
  expect(deliveries(kind) - before).toBe(5)
}

describe('webhooks serve verifies what the official SDKs sign', () => {
  it('stripe: webhooks.generateTestHeaderString', async () => {
    const stripe = new Stripe('sk_test_unused')
    const secret = world.emulators.get('stripe')!.secrets.webhook_secret!
    const payment = settled('stripe')[0]!
    const hook = payload('stripe', payment)
    const now = Math.floor(clock.now() / 1000)
    const sign = (opts: {secret?: string; timestamp?: number; body?: string} = {}) => ({
      'content-type': 'application/json',
      'stripe-signature': stripe.webhooks.generateTestHeaderString({
        payload: opts.body ?? hook.body,
        secret: opts.secret ?? secret,
        timestamp: opts.timestamp ?? now,
      }),
    })
    const tampered = hook.body.replace('"livemode": false', '"livemode": true')
    expect((await post('stripe', sign(), tampered)).status).toBe(401)
    expect(await post('stripe', sign({timestamp: now - 301}), hook.body)).toEqual({
      status: 401,
      body: JSON.stringify({error: 'signature timestamp is 301 s old (tolerance 300 s)'}),
    })
    expect((await post('stripe', sign({secret: 'whsec_someone_else_entirely'}), hook.body)).status).toBe(401)
    await fiveTimes(
      'stripe',
      sign(),
      hook.body,
      `stripe:${world.emulators.get('stripe')!.externalId('payment', payment.key)}`,
    )
  })

  it("adyen: the api-library's HmacValidator", async () => {
    const key = world.emulators.get('adyen')!.secrets.hmac_key!
    const payment = settled('adyen')[0]!
    type Envelope = {notificationItems: {NotificationRequestItem: Types.notification.NotificationRequestItem}[]}
    const envelope = JSON.parse(payload('adyen', payment).body) as Envelope
    const resign = (e: Envelope, hmacKey: string): string => {
      for (const {NotificationRequestItem: item} of e.notificationItems) {
        const {hmacSignature: _old, ...rest} = item.additionalData ?? {}
        item.additionalData = {...rest, hmacSignature: new hmacValidator().calculateHmac(item, hmacKey)}
      }
      return JSON.stringify(e)
    }
    const body = resign(envelope, key)
    const tampered = body.replace(/"value":(\d+)/, (_m, v: string) => `"value":${Number(v) + 1}`)
    const otherKey = resign(JSON.parse(body) as Envelope, 'AB'.repeat(32))
    const headers = {'content-type': 'application/json'}
    expect((await post('adyen', headers, tampered)).status).toBe(401)
    expect((await post('adyen', headers, otherKey)).status).toBe(401)
    await fiveTimes('adyen', headers, body, `adyen:${world.emulators.get('adyen')!.externalId('payment', payment.key)}`)
  })

  it("braintree: the SDK's webhook testing gateway (sampleSignature, sampleNotification)", async () => {
    const emulator = world.emulators.get('braintree')!
    const gateway = (privateKey: string) =>
      new braintree.BraintreeGateway({
        environment: braintree.Environment.Sandbox,
        merchantId: emulator.settings.merchant_id!,
        publicKey: emulator.settings.public_key!,
        privateKey,
      })
    const sdk = gateway(emulator.secrets.private_key!)
    // A notification the SDK makes whole: accepted (a check notification moves no money).
    const sample = await sdk.webhookTesting.sampleNotification('check', '')
    const form = {'content-type': 'application/x-www-form-urlencoded'}
    expect((await post('braintree', form, new URLSearchParams(sample).toString())).status).toBe(200)
    // The emulator's settlement of a payment, signed by the SDK.
    const payment = settled('braintree')[0]!
    const btPayload = new URLSearchParams(payload('braintree', payment).body).get('bt_payload')!
    const signed = (signature: string, body = btPayload) =>
      new URLSearchParams({bt_signature: signature, bt_payload: body}).toString()
    const xml = Buffer.from(btPayload, 'base64').toString('utf8')
    const tampered = `${Buffer.from(xml.replace(/<amount>[^<]*<\/amount>/, '<amount>1.00</amount>')).toString('base64')}\n`
    expect(tampered).not.toBe(btPayload)
    expect(
      (await post('braintree', form, signed(sdk.webhookTesting.sampleSignature(btPayload), tampered))).status,
    ).toBe(401)
    const otherKey = gateway('another_private_key').webhookTesting.sampleSignature(btPayload)
    expect((await post('braintree', form, signed(otherKey))).status).toBe(401)
    await fiveTimes(
      'braintree',
      form,
      signed(sdk.webhookTesting.sampleSignature(btPayload)),
      `braintree:${emulator.externalId('payment', payment.key)}`,
    )
  })

  it("square: what the SDK's WebhooksHelper accepts, and only that", async () => {
    const key = world.emulators.get('square')!.secrets.signature_key!
    const url = `${base}/webhooks/square`
    const payment = settled('square')[0]!
    const body = payload('square', payment).body
    const headers = (signature: string) => ({
      'content-type': 'application/json',
      'x-square-hmacsha256-signature': signature,
    })
    const ours = squareSignature(key, url, body)
    const helper = (requestBody: string, signatureKey = key) =>
      WebhooksHelper.verifySignature({requestBody, signatureHeader: ours, signatureKey, notificationUrl: url})
    expect(await helper(body)).toBe(true)
    const tampered = body.replace(/"amount":(\d+)/, (_m, v: string) => `"amount":${Number(v) + 1}`)
    expect(tampered).not.toBe(body)
    expect(await helper(tampered)).toBe(false)
    expect((await post('square', headers(ours), tampered)).status).toBe(401)
    const otherKey = squareSignature('another-signature-key', url, body)
    expect(await helper(body, 'another-signature-key')).toBe(false)
    expect((await post('square', headers(otherKey), body)).status).toBe(401)
    await fiveTimes(
      'square',
      headers(ours),
      body,
      `square:${world.emulators.get('square')!.externalId('payment', payment.key)}`,
    )
  })
})
