import braintree from 'braintree'
import {afterAll, beforeAll, describe, expect, it} from 'vitest'

import {createBraintreeEmulator} from '../../../src/sandbox/braintree/emulator.js'
import {serveEmulator, type RunningServer} from '../../../src/sandbox/emulator.js'
import {paymentsFor, scenarioEvents} from '../../../src/sandbox/model.js'
import {mutableClock, scenario} from '../../gateways/braintree/helpers.js'

// The official SDK (braintree_node) must accept the emulator's wire format as the real gateway's.
const world = scenario(400)
const clock = mutableClock('2026-02-15T00:00:00.000Z')
const emulator = createBraintreeEmulator({scenario: world, share: 'own', clock})
let server: RunningServer
let gateway: braintree.BraintreeGateway

function sdkGateway(port: number, privateKey = emulator.secrets.private_key as string): braintree.BraintreeGateway {
  // A non-Development environment: http.js connects to environment.server:port, ssl off.
  const environment = new braintree.Environment('127.0.0.1', String(port), 'http://127.0.0.1', false)
  return new braintree.BraintreeGateway({
    environment,
    merchantId: emulator.settings.merchant_id as string,
    publicKey: emulator.settings.public_key as string,
    privateKey,
  })
}

beforeAll(async () => {
  server = await serveEmulator(emulator)
  gateway = sdkGateway(Number(new URL(server.baseUrl).port))
})
afterAll(() => server.close())

function collect<T>(stream: NodeJS.ReadableStream): Promise<T[]> {
  return new Promise((resolve, reject) => {
    const items: T[] = []
    stream.on('data', (item: T) => items.push(item))
    stream.on('end', () => resolve(items))
    stream.on('error', reject)
  })
}

describe('braintree SDK against the emulator', () => {
  it('transaction.search (advanced_search_ids then advanced_search in pages of 50) returns every transaction of a window', async () => {
    const min = new Date('2026-01-10T00:00:00Z')
    const max = new Date('2026-01-20T00:00:00Z')
    const found = await collect<{
      id: string
      type: string
      amount: string
      currencyIsoCode: string
      status: string
      statusHistory: unknown[]
    }>(
      gateway.transaction.search((search: {createdAt(): {between(from: Date, to: Date): void}}) => {
        search.createdAt().between(min, max)
      }) as unknown as NodeJS.ReadableStream,
    )
    const payments = paymentsFor(world, 'braintree', 'own')
    const wantSales = payments.filter((p) => p.createdAt >= min.toISOString() && p.createdAt <= max.toISOString())
    const wantCredits = payments
      .flatMap((p) => p.refunds)
      .filter((r) => r.at >= min.toISOString() && r.at <= max.toISOString())
    expect(wantSales.length).toBeGreaterThan(50) // more than one page
    expect(
      found
        .filter((t) => t.type === 'sale')
        .map((t) => t.id)
        .sort(),
    ).toEqual(wantSales.map((p) => emulator.externalId('payment', p.key)).sort())
    expect(
      found
        .filter((t) => t.type === 'credit')
        .map((t) => t.id)
        .sort(),
    ).toEqual(wantCredits.map((r) => emulator.externalId('refund', r.key)).sort())
    const sale = found.find((t) => t.id === emulator.externalId('payment', wantSales[0]!.key))!
    expect(sale.currencyIsoCode).toBe(wantSales[0]!.amount.currency)
    expect(Array.isArray(sale.statusHistory)).toBe(true)
  })

  it('transaction.sale succeeds on a stored token and declines a 2001.00 sandbox amount with the processor code', async () => {
    const customer = world.customers.find((c) => c.site === 'boston')!
    const ok = await gateway.transaction.sale({
      amount: '12.34',
      paymentMethodToken: customer.paymentMethods.braintree,
      merchantAccountId: 'yms_usd',
      orderId: 'inv-sdk-1',
      options: {submitForSettlement: true},
    })
    expect(ok.success).toBe(true)
    expect(ok.transaction).toMatchObject({
      status: 'submitted_for_settlement',
      amount: '12.34',
      currencyIsoCode: 'USD',
      orderId: 'inv-sdk-1',
    })
    const declined = await gateway.transaction.sale({
      amount: '2001.00',
      paymentMethodToken: customer.paymentMethods.braintree,
      merchantAccountId: 'yms_usd',
      options: {submitForSettlement: true},
    })
    expect(declined.success).toBe(false)
    expect(declined.transaction).toMatchObject({
      status: 'processor_declined',
      processorResponseCode: '2001',
      processorResponseType: 'soft_declined',
    })
    const invalid = await gateway.transaction.sale({
      amount: '5.00',
      paymentMethodToken: 'nosuchtoken',
      merchantAccountId: 'yms_usd',
    })
    expect(invalid.success).toBe(false)
    expect(invalid.errors.deepErrors().map((e: {code: string}) => e.code)).toContain('91518')
  })

  it('disputes.search pages through the disputes collection', async () => {
    const found = await collect<{id: string; status: string}>(
      gateway.dispute.search(() => undefined) as unknown as NodeJS.ReadableStream,
    )
    const want = paymentsFor(world, 'braintree', 'own').filter(
      (p) => p.dispute && p.dispute.openedAt <= '2026-02-15T00:00:00.000Z',
    )
    expect(
      found
        .filter(Boolean)
        .map((d) => d.id)
        .sort(),
    ).toEqual(want.map((p) => emulator.externalId('dispute', p.dispute!.key)).sort())
  })

  it('refuses wrong keys with 401 (the SDK raises authenticationError)', async () => {
    const wrong = sdkGateway(Number(new URL(server.baseUrl).port), 'not-the-key')
    await expect(wrong.transaction.sale({amount: '1.00', paymentMethodToken: 'x'})).rejects.toMatchObject({
      type: 'authenticationError',
    })
  })

  it('webhookNotification.parse accepts the emulator webhooks and rejects a tampered one', async () => {
    const events = scenarioEvents(paymentsFor(world, 'braintree', 'own')).filter((e) => e.type !== 'refund.created')
    const hooks = emulator.webhooks(events, 'http://127.0.0.1/hooks')
    const kinds = new Set<string>()
    for (const hook of hooks.slice(0, 60)) {
      const form = new URLSearchParams(hook.body)
      const n = await gateway.webhookNotification.parse(form.get('bt_signature')!, form.get('bt_payload')!)
      kinds.add(n.kind)
      expect(hook.dedupId.startsWith(`${n.kind}:`)).toBe(true)
    }
    expect(kinds.has('transaction_settled')).toBe(true)
    const disputeHook = hooks.find((h) => h.dedupId.startsWith('dispute_opened:'))!
    const d = new URLSearchParams(disputeHook.body)
    const parsed = await gateway.webhookNotification.parse(d.get('bt_signature')!, d.get('bt_payload')!)
    expect(parsed.dispute.status).toBe('open')

    const form = new URLSearchParams(hooks[0]!.body)
    const payload = form.get('bt_payload')!
    const xml = Buffer.from(payload, 'base64')
      .toString('utf8')
      .replace('<status>settled</status>', '<status>voided</status>')
    const tampered = `${Buffer.from(xml).toString('base64')}\n`
    await expect(gateway.webhookNotification.parse(form.get('bt_signature')!, tampered)).rejects.toMatchObject({
      type: 'invalidSignatureError',
    })
  })
})
