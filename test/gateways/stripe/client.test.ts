import {afterAll, beforeAll, describe, expect, it} from 'vitest'

import type {GatewayClient} from '../../../src/gateways/types.js'
import type {Cursor} from '../../../src/core/cursor.js'
import type {NormalizedTxn} from '../../../src/core/transaction.js'
import {createHttpClient} from '../../../src/gateways/http.js'
import {adapter as stripeAdapter} from '../../../src/gateways/stripe/client.js'
import type {GatewayEmulator, RunningServer} from '../../../src/sandbox/emulator.js'
import {scenarioEvents} from '../../../src/sandbox/model.js'
import {compareWithTruth, expectedTransactions, formatComparison} from '../../../src/sandbox/truth.js'
import {manualClock, START, startStripe, stripeScenario} from './helpers.js'

describe('Stripe client over the emulator: payments, webhooks, a feed that starts empty', () => {
  const scenario = stripeScenario(600, 31)
  const clock = manualClock('2026-02-01T00:00:00.000Z')
  let emulator: GatewayEmulator
  let server: RunningServer
  let client: GatewayClient

  beforeAll(async () => {
    ;({emulator, server} = await startStripe(scenario, clock))
    const http = createHttpClient({
      provider: 'stripe-test',
      baseUrl: server.baseUrl,
      idempotencyHeader: 'Idempotency-Key',
      sleep: async () => {},
    })
    client = stripeAdapter.connect(
      {providerId: 'stripe-test', baseUrl: server.baseUrl, settings: {}, secrets: emulator.secrets},
      {http, clock},
    )
  })
  afterAll(() => server.close())

  const customer = () => scenario.customers[0]!

  it('createPayment charges a stored card off-session and returns the normalized charge; the key replays', async () => {
    const req = {
      customerRef: customer().refs.stripe,
      paymentMethodRef: customer().paymentMethods.stripe,
      amount: {minor: 1500, currency: 'JPY'},
      idempotencyKey: 'yms-retry-a',
      metadata: {yms_invoice: 'inv-9'},
    }
    const first = await client.createPayment!(req)
    expect(first).toMatchObject({
      status: 'succeeded',
      item: {
        txn: {
          type: 'payment',
          status: 'succeeded',
          amount: {minor: 1500, currency: 'JPY'},
          invoiceRef: 'inv-9',
          customerRef: customer().refs.stripe,
        },
      },
    })
    if (first.status !== 'succeeded') return
    expect(first.item?.txn.fee).not.toBeNull()
    const replay = await client.createPayment!(req)
    expect(replay).toMatchObject({status: 'succeeded', externalId: first.externalId})
    const changed = await client.createPayment!({...req, amount: {minor: 1600, currency: 'JPY'}})
    expect(changed).toMatchObject({status: 'failed', failure: {decision: 'terminal'}})
  })

  it('createPayment maps declines to the retry decision', async () => {
    const base = {customerRef: customer().refs.stripe, amount: {minor: 5120, currency: 'KWD'}, metadata: {}}
    const soft = await client.createPayment!({
      ...base,
      paymentMethodRef: 'pm_card_chargeDeclinedInsufficientFunds',
      idempotencyKey: 'k-soft',
    })
    expect(soft).toMatchObject({status: 'failed', failure: {code: 'insufficient_funds', decision: 'retry'}})
    expect(soft.status === 'failed' && soft.externalId?.startsWith('ch_')).toBe(true)
    const hard = await client.createPayment!({
      ...base,
      paymentMethodRef: 'pm_card_chargeDeclinedStolenCard',
      idempotencyKey: 'k-hard',
    })
    expect(hard).toMatchObject({status: 'failed', failure: {code: 'stolen_card', decision: 'terminal'}})
    const unknownCustomer = await client.createPayment!({
      ...base,
      customerRef: 'cus_nobody',
      paymentMethodRef: 'pm_card_visa',
      idempotencyKey: 'k-nobody',
    })
    expect(unknownCustomer).toMatchObject({status: 'failed', failure: {code: 'resource_missing', decision: 'terminal'}})
  })

  it("verifies the emulator's signed webhooks and translates them", async () => {
    const events = scenarioEvents(scenario.payments)
      .filter((e) => e.at <= clock.isoNow())
      .slice(-30)
    const deliveries = emulator.webhooks(events, 'https://hooks.example/stripe')
    const seen = new Set<string>()
    for (const d of deliveries) {
      const atDelivery = {now: () => Date.parse(d.at) + 2000}
      const http = createHttpClient({provider: 'x', baseUrl: server.baseUrl, idempotencyHeader: null})
      const hookClient = stripeAdapter.connect(
        {providerId: 'stripe-test', baseUrl: server.baseUrl, settings: {}, secrets: emulator.secrets},
        {http, clock: atDelivery},
      )
      const result = await hookClient.verifyWebhook({
        headers: d.headers,
        rawBody: Buffer.from(d.body),
        url: 'https://hooks.example/stripe',
      })
      expect(result.ok).toBe(true)
      if (!result.ok) continue
      expect(result.dedupKey).toBe(d.dedupId)
      seen.add(result.dedupKey)
      for (const e of result.events) expect(e.kind).not.toBe('invalid')
      const late = await hookClient.verifyWebhook({headers: d.headers, rawBody: Buffer.from(d.body), url: ''})
      expect(late.ok).toBe(true)
    }
    expect(seen.size).toBe(deliveries.length)
  })

  it('a sync begun before any event existed walks the feed back to its oldest page, then forward', async () => {
    const quiet = manualClock(START)
    const {emulator: emu, server: srv} = await startStripe(scenario, quiet)
    try {
      const http = createHttpClient({
        provider: 'stripe-test',
        baseUrl: srv.baseUrl,
        idempotencyHeader: 'Idempotency-Key',
        sleep: async () => {},
      })
      const c = stripeAdapter.connect(
        {providerId: 'stripe-test', baseUrl: srv.baseUrl, settings: {}, secrets: emu.secrets},
        {http, clock: quiet},
      )
      let cursor: Cursor | null = null
      const txns = new Map<string, NormalizedTxn>()
      const run = async () => {
        for (;;) {
          const page = await c.fetchPage(cursor)
          for (const {txn} of page.items) txns.set(txn.externalId, txn)
          cursor = page.next
          if (!page.hasMore) return
        }
      }
      await run()
      expect(txns.size).toBe(0)
      quiet.set('2026-01-25T00:00:00.000Z') // hundreds of events, more than one page of them
      await run()
      const result = compareWithTruth([...txns.values()], expectedTransactions(scenario, emu, 'own', quiet.isoNow()))
      expect(result.ok, formatComparison(result)).toBe(true)
      expect(txns.size).toBeGreaterThan(150)
    } finally {
      await srv.close()
    }
  })
})
