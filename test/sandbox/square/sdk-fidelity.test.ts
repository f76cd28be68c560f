import {SquareClient, SquareError, WebhooksHelper} from 'square'
import {afterAll, beforeAll, describe, expect, it} from 'vitest'

import {createSquareEmulator} from '../../../src/sandbox/square/emulator.js'
import {type RunningServer, serveEmulator} from '../../../src/sandbox/emulator.js'
import {paymentStateAt, scenarioEvents} from '../../../src/sandbox/model.js'
import {manualClock, squareWorld} from '../../gateways/square/world.js'

/** The official `square` SDK (v46) pointed at the emulator over loopback: the emulator must speak Square's wire format. */
const scenario = squareWorld({seed: 11, customers: 40, transactions: 300})
const clock = manualClock(scenario.end)
const emulator = createSquareEmulator({scenario, share: 'own', clock})
let server: RunningServer
let client: SquareClient

beforeAll(async () => {
  server = await serveEmulator(emulator)
  client = new SquareClient({token: emulator.secrets.access_token, baseUrl: server.baseUrl, maxRetries: 0})
})
afterAll(async () => server.close())

const visible = () => scenario.payments.filter((p) => paymentStateAt(p, clock.iso()).visible)

describe('Square emulator through the official SDK', () => {
  it('lists every payment with the SDK pager across several pages, newest first by default', async () => {
    const pager = await client.payments.list({beginTime: scenario.start, limit: 40})
    let pages = 1
    let page = pager
    while (page.hasNextPage()) {
      page = await page.getNextPage()
      pages++
    }
    expect(pages).toBe(Math.ceil(visible().length / 40))

    const ids: string[] = []
    const created: string[] = []
    for await (const payment of await client.payments.list({beginTime: scenario.start, limit: 40})) {
      ids.push(payment.id ?? '')
      created.push(payment.createdAt ?? '')
    }
    expect(new Set(ids).size).toBe(ids.length)
    expect(ids.sort()).toEqual(
      visible()
        .map((p) => emulator.externalId('payment', p.key))
        .sort(),
    )
    expect([...created].sort().reverse()).toEqual(created)
  })

  it('filters by updated_at and sorts by UPDATED_AT ascending', async () => {
    const since = '2025-02-01T00:00:00.000Z'
    const seen: string[] = []
    for await (const payment of await client.payments.list({
      beginTime: scenario.start,
      updatedAtBeginTime: since,
      sortField: 'UPDATED_AT',
      sortOrder: 'ASC',
    })) {
      seen.push(payment.updatedAt ?? '')
    }
    expect(seen.length).toBeGreaterThan(0)
    expect(seen.every((t) => t >= since)).toBe(true)
    expect([...seen].sort()).toEqual(seen)
  })

  it('gets one payment with its amount, status, customer and refunds', async () => {
    const p = scenario.payments.find((x) => x.refunds.length > 0 && x.refunds.every((r) => r.at <= scenario.end))!
    const customer = scenario.customers.find((c) => c.id === p.customer)!
    const {payment} = await client.payments.get({paymentId: emulator.externalId('payment', p.key)})
    expect(payment?.amountMoney).toEqual({amount: BigInt(p.amount.minor), currency: p.amount.currency})
    expect(payment?.status).toBe('COMPLETED')
    expect(payment?.customerId).toBe(customer.refs.square)
    const refunded = p.refunds.reduce((sum, r) => sum + r.amount.minor, 0)
    expect(payment?.refundedMoney?.amount).toBe(BigInt(refunded))
    expect(payment?.refundIds).toEqual(p.refunds.map((r) => emulator.externalId('refund', r.key)))
  })

  it('lists refunds, each linked to its payment with a negative processing fee', async () => {
    const want = visible().flatMap((p) => paymentStateAt(p, clock.iso()).refunds.map((r) => ({r, p})))
    expect(want.length).toBeGreaterThan(7)
    const got = []
    for await (const refund of await client.refunds.list({beginTime: scenario.start, limit: 7})) got.push(refund)
    expect(got.map((r) => r.id).sort()).toEqual(want.map(({r}) => emulator.externalId('refund', r.key)).sort())
    for (const refund of got) {
      const {r, p} = want.find(({r: x}) => emulator.externalId('refund', x.key) === refund.id)!
      expect(refund.paymentId).toBe(emulator.externalId('payment', p.key))
      expect(refund.amountMoney.amount).toBe(BigInt(r.amount.minor))
      for (const fee of refund.processingFee ?? []) expect(fee.amountMoney?.amount).toBeLessThan(0n)
    }
  })

  it('lists disputes and filters them by state', async () => {
    const all = []
    for await (const d of await client.disputes.list({})) all.push(d)
    const want = visible().filter((p) => paymentStateAt(p, clock.iso()).dispute)
    expect(want.length).toBeGreaterThan(0)
    expect(all.map((d) => d.disputedPayment?.paymentId).sort()).toEqual(
      want.map((p) => emulator.externalId('payment', p.key)).sort(),
    )
    const won = []
    for await (const d of await client.disputes.list({states: 'WON'})) won.push(d)
    expect(won.every((d) => d.state === 'WON')).toBe(true)
    expect(won.length).toBe(want.filter((p) => paymentStateAt(p, clock.iso()).dispute?.state === 'won').length)
  })

  it('creates a payment that then appears in get and list, and replays it for the same idempotency key', async () => {
    const customer = scenario.customers[0]!
    const request = {
      sourceId: customer.paymentMethods.square,
      idempotencyKey: 'sdk-create-1',
      amountMoney: {amount: 4321n, currency: 'USD' as const},
      customerId: customer.refs.square,
      autocomplete: true,
      referenceId: 'inv-sdk-1',
    }
    const {payment} = await client.payments.create(request)
    expect(payment?.status).toBe('COMPLETED')
    expect(payment?.amountMoney).toEqual({amount: 4321n, currency: 'USD'})
    expect(payment?.referenceId).toBe('inv-sdk-1')
    const again = await client.payments.create(request)
    expect(again.payment?.id).toBe(payment?.id)
    const {payment: fetched} = await client.payments.get({paymentId: payment!.id!})
    expect(fetched?.id).toBe(payment?.id)
    const listed = []
    for await (const p of await client.payments.list({beginTime: scenario.start})) listed.push(p.id)
    expect(listed).toContain(payment?.id)

    const reused = await client.payments
      .create({...request, amountMoney: {amount: 1n, currency: 'USD'}})
      .catch((e: unknown) => e)
    expect(reused).toBeInstanceOf(SquareError)
    expect((reused as SquareError).statusCode).toBe(400)
    expect(JSON.stringify((reused as SquareError).body)).toContain('IDEMPOTENCY_KEY_REUSED')
  })

  it('a declined card answers errors[] with the decline code and the FAILED payment', async () => {
    const failed = await client.payments
      .create({
        sourceId: 'ccof:decline-expired_card',
        idempotencyKey: 'sdk-decline-1',
        amountMoney: {amount: 100n, currency: 'USD'},
      })
      .catch((e: unknown) => e)
    expect(failed).toBeInstanceOf(SquareError)
    const body = (failed as SquareError).body as {errors: {code: string; category: string}[]; payment: {status: string}}
    expect(body.errors[0]).toMatchObject({code: 'CARD_EXPIRED', category: 'PAYMENT_METHOD_ERROR'})
    expect(body.payment.status).toBe('FAILED')
  })

  it('refuses a wrong token with 401 UNAUTHORIZED', async () => {
    const bad = new SquareClient({token: 'EAAAwrong', baseUrl: server.baseUrl, maxRetries: 0})
    const error = await bad.locations.list().catch((e: unknown) => e)
    expect(error).toBeInstanceOf(SquareError)
    expect((error as SquareError).statusCode).toBe(401)
    expect(JSON.stringify((error as SquareError).body)).toContain('UNAUTHORIZED')
  })

  it('lists locations, one per site, in the site currency', async () => {
    const {locations} = await client.locations.list()
    expect(locations?.map((l) => l.currency).sort()).toEqual(scenario.sites.map((s) => s.currency).sort())
  })
})

describe('emulator webhooks through the SDK WebhooksHelper', () => {
  const url = 'https://yms.example.com/webhooks/square'
  const deliveries = emulator.webhooks(scenarioEvents(scenario.payments.slice(0, 30)), url)

  it('accepts every signed delivery', async () => {
    expect(deliveries.length).toBeGreaterThan(30)
    for (const d of deliveries) {
      const ok = await WebhooksHelper.verifySignature({
        requestBody: d.body,
        signatureHeader: d.headers['x-square-hmacsha256-signature']!,
        signatureKey: emulator.secrets.signature_key!,
        notificationUrl: url,
      })
      expect(ok).toBe(true)
    }
  })

  it('rejects a tampered body, another URL and another key', async () => {
    const d = deliveries[0]!
    const header = d.headers['x-square-hmacsha256-signature']!
    const key = emulator.secrets.signature_key!
    const tampered = d.body.replace(/"amount":(\d+)/, (_m, n: string) => `"amount":${Number(n) + 1}`)
    expect(tampered).not.toBe(d.body)
    expect(
      await WebhooksHelper.verifySignature({
        requestBody: tampered,
        signatureHeader: header,
        signatureKey: key,
        notificationUrl: url,
      }),
    ).toBe(false)
    expect(
      await WebhooksHelper.verifySignature({
        requestBody: d.body,
        signatureHeader: header,
        signatureKey: key,
        notificationUrl: `${url}/x`,
      }),
    ).toBe(false)
    expect(
      await WebhooksHelper.verifySignature({
        requestBody: d.body,
        signatureHeader: header,
        signatureKey: `${key}x`,
        notificationUrl: url,
      }),
    ).toBe(false)
  })
})
