import {execFileSync} from 'node:child_process'
import {createSign, generateKeyPairSync} from 'node:crypto'
import {mkdtempSync, rmSync, writeFileSync} from 'node:fs'
import {tmpdir} from 'node:os'
import {join} from 'node:path'

import {request} from 'undici'
import {afterAll, afterEach, describe, expect, it} from 'vitest'

import {adapter as paypalAdapter} from '../../../src/gateways/paypal/client.js'
import {signedMessage} from '../../../src/gateways/paypal/signature.js'
import type {GatewayClient, HttpClient, WebhookRequest} from '../../../src/gateways/types.js'
import {generateScenario} from '../../../src/sandbox/generate.js'
import {paymentsFor, scenarioEvents} from '../../../src/sandbox/model.js'
import {fakeClock, fixture} from './helpers.js'
import {type Harness, startHarness} from './harness.js'

/** CRC-32 (IEEE 802.3, reflected, poly 0xEDB88320), written here independently of node:zlib. */
const CRC_TABLE = Array.from({length: 256}, (_, n) => {
  let c = n
  for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1
  return c >>> 0
})
function crc32(bytes: Buffer): number {
  let crc = 0xffffffff
  for (const b of bytes) crc = CRC_TABLE[(crc ^ b) & 0xff]! ^ (crc >>> 8)
  return (crc ^ 0xffffffff) >>> 0
}

const dir = mkdtempSync(join(tmpdir(), 'yms-paypal-'))
afterAll(() => rmSync(dir, {recursive: true, force: true}))

const noHttp: HttpClient = {
  request: () => Promise.reject(new Error('offline verification must not call PayPal')),
}

function offlineClient(pemFile: string, now: string, webhookId = 'WEBHOOK-ID-1'): GatewayClient {
  return paypalAdapter.connect(
    {
      providerId: 'pp1',
      baseUrl: 'https://api-m.paypal.com',
      settings: {webhook_id: webhookId, webhook_cert_pem_file: pemFile},
      secrets: {client_id: 'id', client_secret: 'secret'},
    },
    {http: noHttp, clock: fakeClock(now)},
  )
}

/** A delivery signed independently: the message built by hand with the test's own CRC-32. */
function signedDelivery(
  privateKeyPem: string,
  body: string,
  opts: {id?: string; time?: string; webhookId?: string} = {},
): WebhookRequest {
  const id = opts.id ?? 'b2384410-f8d2-11e8-9f4c-2f3a5b1c8a77'
  const time = opts.time ?? '2025-05-01T12:00:00Z'
  const message = `${id}|${time}|${opts.webhookId ?? 'WEBHOOK-ID-1'}|${crc32(Buffer.from(body))}`
  const sig = createSign('RSA-SHA256').update(message).sign(privateKeyPem, 'base64')
  return {
    url: 'https://yms.example/webhooks/paypal',
    rawBody: Buffer.from(body),
    headers: {
      'paypal-auth-algo': 'SHA256withRSA',
      'paypal-cert-url': 'https://api.paypal.com/v1/notifications/certs/CERT-360caa42-fca2a594-5edc0ebc',
      'paypal-transmission-id': id,
      'paypal-transmission-time': time,
      'paypal-transmission-sig': sig,
      'content-type': 'application/json',
    },
  }
}

describe('offline webhook signature', () => {
  const {privateKey, publicKey} = generateKeyPairSync('rsa', {modulusLength: 2048})
  const privatePem = privateKey.export({type: 'pkcs8', format: 'pem'}).toString()
  const publicFile = join(dir, 'public.pem')
  writeFileSync(publicFile, publicKey.export({type: 'spki', format: 'pem'}))
  const body = JSON.stringify(fixture('webhook-capture-completed.json'))

  it('builds transmission_id|transmission_time|webhook_id|crc32 with an unsigned CRC (high bit set)', () => {
    let text = ''
    for (let i = 0; ; i++) {
      text = `{"id":"WH-${i}"}`
      if (crc32(Buffer.from(text)) >= 0x80000000) break
    }
    const crc = crc32(Buffer.from(text))
    expect(crc).toBeGreaterThan(2_147_483_647)
    expect(signedMessage('t-id', '2025-05-01T12:00:00Z', 'W1', Buffer.from(text))).toBe(
      `t-id|2025-05-01T12:00:00Z|W1|${crc}`,
    )
    expect(signedMessage('t-id', 't', 'W1', '')).toBe('t-id|t|W1|0')
  })

  it('accepts a delivery signed with the configured key and translates it; dedupKey is the event id', async () => {
    const result = await offlineClient(publicFile, '2025-05-01T12:02:00Z').verifyWebhook(
      signedDelivery(privatePem, body),
    )
    expect(result.ok).toBe(true)
    if (!result.ok) return
    expect(result.dedupKey).toBe('WH-58D329510W468432D-8HN650336L201105X')
    // A capture names no payer: the capture (and its order's payer) are read from PayPal instead.
    expect(result.events).toEqual([{kind: 'fetch', ref: {object: 'capture', id: '27M47624FP291604U'}}])
  })

  it('accepts a body whose CRC-32 has the high bit set', async () => {
    let text = ''
    for (let i = 0; ; i++) {
      text = JSON.stringify({...fixture('webhook-capture-completed.json'), summary: `n${i}`})
      if (crc32(Buffer.from(text)) >= 0x80000000) break
    }
    expect(
      (await offlineClient(publicFile, '2025-05-01T12:00:00Z').verifyWebhook(signedDelivery(privatePem, text))).ok,
    ).toBe(true)
  })

  it('rejects a changed body, transmission time, transmission id, webhook id or algorithm', async () => {
    const client = offlineClient(publicFile, '2025-05-01T12:00:00Z')
    const good = signedDelivery(privatePem, body)
    const variants: WebhookRequest[] = [
      {...good, rawBody: Buffer.from(body.replace('2.51', '2.52'))},
      {...good, headers: {...good.headers, 'paypal-transmission-time': '2025-05-01T12:00:01Z'}},
      {...good, headers: {...good.headers, 'paypal-transmission-id': 'b2384410-f8d2-11e8-9f4c-2f3a5b1c8a78'}},
      {...good, headers: {...good.headers, 'paypal-auth-algo': 'SHA1withRSA'}},
      {...good, headers: {...good.headers, 'paypal-transmission-sig': 'bm90IGEgc2lnbmF0dXJl'}},
    ]
    for (const v of variants) expect((await client.verifyWebhook(v)).ok).toBe(false)
    expect((await offlineClient(publicFile, '2025-05-01T12:00:00Z', 'OTHER-WEBHOOK').verifyWebhook(good)).ok).toBe(
      false,
    )
    expect((await client.verifyWebhook(good)).ok).toBe(true)
  })

  it('rejects a transmission time outside ±5 minutes of the clock', async () => {
    const delivery = signedDelivery(privatePem, body)
    const late = await offlineClient(publicFile, '2025-05-01T12:05:01Z').verifyWebhook(delivery)
    expect(late).toMatchObject({ok: false})
    expect(!late.ok && late.reason).toContain('tolerance')
    expect((await offlineClient(publicFile, '2025-05-01T11:54:59Z').verifyWebhook(delivery)).ok).toBe(false)
    expect((await offlineClient(publicFile, '2025-05-01T12:04:59Z').verifyWebhook(delivery)).ok).toBe(true)
  })

  it('quarantines a signed body it cannot translate rather than refusing it', async () => {
    const text = JSON.stringify({
      ...fixture('webhook-capture-completed.json'),
      resource: {id: 'X', status: 'COMPLETED'},
    })
    const result = await offlineClient(publicFile, '2025-05-01T12:00:00Z').verifyWebhook(
      signedDelivery(privatePem, text),
    )
    expect(result).toMatchObject({
      ok: true,
      events: [{kind: 'invalid', item: {externalId: 'X', reason: 'invalid_payload'}}],
    })
  })

  it.skipIf(!hasOpenssl())('verifies with an X.509 certificate PEM, as PayPal serves at cert_url', async () => {
    const key = join(dir, 'cert-key.pem')
    const cert = join(dir, 'cert.pem')
    execFileSync(
      'openssl',
      [
        'req',
        '-x509',
        '-newkey',
        'rsa:2048',
        '-nodes',
        '-keyout',
        key,
        '-out',
        cert,
        '-days',
        '1',
        '-subj',
        '/CN=messageverificationcerts.paypal.test',
      ],
      {stdio: 'ignore'},
    )
    const {readFileSync} = await import('node:fs')
    const client = offlineClient(cert, '2025-05-01T12:00:00Z')
    expect((await client.verifyWebhook(signedDelivery(readFileSync(key, 'utf8'), body))).ok).toBe(true)
    expect((await client.verifyWebhook(signedDelivery(privatePem, body))).ok).toBe(false)
  })

  it('says why when the configured PEM file cannot be used', async () => {
    const result = await offlineClient(join(dir, 'missing.pem'), '2025-05-01T12:00:00Z').verifyWebhook(
      signedDelivery(privatePem, body),
    )
    expect(result).toMatchObject({ok: false})
    expect(!result.ok && result.reason).toContain('webhook_cert_pem_file')
  })
})

function hasOpenssl(): boolean {
  try {
    execFileSync('openssl', ['version'], {stdio: 'ignore'})
    return true
  } catch {
    return false
  }
}

describe('emulator webhooks', () => {
  const scenario = generateScenario({
    seed: 12,
    customers: 60,
    transactions: 400,
    start: '2025-01-01T00:00:00.000Z',
    end: '2025-03-01T00:00:00.000Z',
    gateways: ['paypal'],
  })
  const events = scenarioEvents(paymentsFor(scenario, 'paypal', 'own'))
  let harness: Harness | null = null
  afterEach(async () => {
    await harness?.close()
    harness = null
  })

  it('every event type verifies through the verification API and translates', async () => {
    const clock = fakeClock('2025-03-01T00:00:00.000Z')
    harness = await startHarness({scenario, share: 'own', clock})
    const h = harness
    // Learn the base URL from a first request, so the cert URL is absolute.
    await h.client.testConnection()
    const sample = [
      'payment.created',
      'payment.succeeded',
      'payment.failed',
      'refund.created',
      'dispute.opened',
      'dispute.closed',
    ].map((type) => events.find((e) => e.type === type)!)
    const webhooks = h.emulator.webhooks(sample, 'http://127.0.0.1/webhooks/paypal')
    const types = new Set<string>()
    for (const [i, w] of webhooks.entries()) {
      expect(w.headers['paypal-cert-url']).toBe(`${h.server.baseUrl}${h.emulator.certPath}`)
      const result = await h.client.verifyWebhook({
        headers: w.headers,
        rawBody: Buffer.from(w.body),
        url: 'http://127.0.0.1/webhooks/paypal',
      })
      expect(result.ok, JSON.stringify(result)).toBe(true)
      if (!result.ok) continue
      expect(result.dedupKey).toBe(w.dedupId)
      const e = sample[i]!
      const want = e.refund
        ? h.emulator.externalId('refund', e.refund.key)
        : e.type.startsWith('dispute')
          ? h.emulator.externalId('dispute', e.payment.dispute!.key)
          : h.emulator.externalId('payment', e.payment.key)
      let event = result.events[0]!
      if (e.type.startsWith('payment.')) {
        // A capture names no payer: it is read back with its order, whose payer is the customer.
        expect(event).toEqual({kind: 'fetch', ref: {object: 'capture', id: want}})
        const read = await h.client.fetchObject!({object: 'capture', id: want})
        expect(read.items).toHaveLength(1)
        expect(read.items[0]!.txn.customerRef).toBe(
          scenario.customers.find((c) => c.id === e.payment.customer)!.refs.paypal,
        )
        event = {kind: 'txn', item: read.items[0]!}
      }
      expect(event.kind).toBe('txn')
      if (event.kind !== 'txn') continue
      types.add(event.item.txn.type)
      expect(event.item.txn.externalId).toBe(want)
      if (e.type === 'payment.failed')
        expect(event.item.txn.failure?.decision).toBe(h.emulator.declineFor(e.payment.decline!).decision)
      if (e.type === 'dispute.closed') expect(event.item.txn.status).toBe(e.payment.dispute!.outcome)
    }
    expect(types).toEqual(new Set(['payment', 'refund', 'dispute']))
    expect(h.requests.filter((r) => r.path === '/v1/notifications/verify-webhook-signature')).toHaveLength(
      sample.length,
    )
  })

  it('the verification API says FAILURE for a tampered body', async () => {
    const clock = fakeClock('2025-03-01T00:00:00.000Z')
    harness = await startHarness({scenario, share: 'own', clock})
    const [w] = harness.emulator.webhooks([events[0]!], 'http://127.0.0.1/hook')
    const tampered = w!.body.replace('"event_version":"1.0"', '"event_version":"1.1"')
    const result = await harness.client.verifyWebhook({
      headers: w!.headers,
      rawBody: Buffer.from(tampered),
      url: 'http://127.0.0.1/hook',
    })
    expect(result).toMatchObject({ok: false})
    expect(!result.ok && result.reason).toContain('FAILURE')
  })

  it('the emulator serves its verification key at the cert URL; offline verification with it works', async () => {
    const clock = fakeClock('2025-03-01T00:00:00.000Z')
    harness = await startHarness({scenario, share: 'own', clock})
    const [w] = harness.emulator.webhooks([events[3]!], 'http://127.0.0.1/hook')
    const pem = await (await request(`${harness.server.baseUrl}${harness.emulator.certPath}`)).body.text()
    const file = join(dir, 'emulator.pem')
    writeFileSync(file, pem)
    const client = offlineClient(file, '2025-03-01T00:01:00Z', harness.emulator.settings.webhook_id)
    expect((await client.verifyWebhook({headers: w!.headers, rawBody: Buffer.from(w!.body), url: 'x'})).ok).toBe(true)
    expect((await client.verifyWebhook({headers: w!.headers, rawBody: Buffer.from(`${w!.body} `), url: 'x'})).ok).toBe(
      false,
    )
  })
})
