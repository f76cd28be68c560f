import {readdirSync} from 'node:fs'

import {afterEach, describe, expect, it} from 'vitest'

import {
  CaptureSchema,
  DisputeDetailSchema,
  DisputeListSchema,
  DisputeSummarySchema,
  ErrorBodySchema,
  OrderSchema,
  RefundSchema,
  SearchResponseSchema,
  TokenResponseSchema,
  TransactionDetailSchema,
  VerifyResponseSchema,
  WebhookEnvelopeSchema,
} from '../../../src/gateways/paypal/schema.js'
import {generateScenario} from '../../../src/sandbox/generate.js'
import {paymentsFor, scenarioEvents} from '../../../src/sandbox/model.js'
import {fakeClock, fixture} from '../../gateways/paypal/helpers.js'
import {type Harness, startHarness} from '../../gateways/paypal/harness.js'

/**
 * The same schemas must accept PayPal's documented payloads (test/fixtures/paypal, copied from PayPal's REST
 * reference samples) and everything the emulator sends, so the emulator cannot drift from the real wire shape
 * without a test failing.
 */
describe('PayPal documented payloads parse', () => {
  it('transaction search, disputes, webhooks, orders, errors, token', () => {
    const search = SearchResponseSchema.parse(fixture('search-response-docs.json'))
    for (const item of search.transaction_details) TransactionDetailSchema.parse(item)
    for (const name of readdirSync(new URL('../../fixtures/paypal/', import.meta.url)))
      if (name.startsWith('row-') && name !== 'row-missing-amount.json') TransactionDetailSchema.parse(fixture(name))
    const list = DisputeListSchema.parse(fixture('dispute-list-docs.json'))
    for (const item of list.items ?? []) DisputeSummarySchema.parse(item)
    for (const name of ['dispute-resolved-buyer.json', 'dispute-resolved-seller.json', 'dispute-open.json'])
      DisputeDetailSchema.parse(fixture(name))
    CaptureSchema.parse(WebhookEnvelopeSchema.parse(fixture('webhook-capture-completed.json')).resource)
    RefundSchema.parse(WebhookEnvelopeSchema.parse(fixture('webhook-capture-refunded.json')).resource)
    DisputeDetailSchema.parse(WebhookEnvelopeSchema.parse(fixture('webhook-dispute-created.json')).resource)
    OrderSchema.parse(fixture('order-completed-vault.json'))
    ErrorBodySchema.parse(fixture('error-422-instrument-declined.json'))
    TokenResponseSchema.parse(fixture('oauth-token.json'))
  })
})

describe('the emulator speaks the same shapes', () => {
  const scenario = generateScenario({
    seed: 8,
    customers: 150,
    transactions: 3_000,
    start: '2025-01-01T00:00:00.000Z',
    end: '2025-02-01T00:00:00.000Z',
    gateways: ['paypal'],
  })
  let harness: Harness | null = null
  afterEach(async () => {
    await harness?.close()
    harness = null
  })

  it('token, search rows, dispute list and details, webhooks, orders, errors, verify', async () => {
    const clock = fakeClock('2025-01-25T00:00:00.000Z')
    harness = await startHarness({scenario, share: 'own', clock})
    const e = harness.emulator
    const basic = Buffer.from(`${e.secrets.client_id}:${e.secrets.client_secret}`).toString('base64')
    const call = async (
      method: string,
      path: string,
      query: Record<string, string> = {},
      body = '',
      headers: Record<string, string> = {},
    ) => {
      const res = await e.handle({
        method,
        path,
        query: new URLSearchParams(query),
        headers: {host: '127.0.0.1:1', ...headers},
        rawBody: Buffer.from(body),
      })
      return {status: res.status, json: JSON.parse(String(res.body)) as unknown}
    }
    const token = await call('POST', '/v1/oauth2/token', {}, 'grant_type=client_credentials', {
      authorization: `Basic ${basic}`,
    })
    const {access_token: accessToken} = TokenResponseSchema.parse(token.json)
    const auth = {authorization: `Bearer ${accessToken}`}

    const codes = new Set<string>()
    const statuses = new Set<string>()
    const refundFees: Array<{currency: string; fee: string | null}> = []
    let pages = 1
    for (let page = 1; page <= pages; page++) {
      const search = await call(
        'GET',
        '/v1/reporting/transactions',
        {
          start_date: '2025-01-01T00:00:00Z',
          end_date: '2025-01-25T00:00:00Z',
          fields: 'all',
          balance_affecting_records_only: 'N',
          page_size: '500',
          page: String(page),
        },
        '',
        auth,
      )
      const parsed = SearchResponseSchema.parse(search.json)
      pages = parsed.total_pages
      expect(parsed.page).toBe(page)
      expect(parsed.transaction_details.length).toBe(page < pages ? 500 : parsed.total_items - 500 * (pages - 1))
      for (const item of parsed.transaction_details) {
        const row = TransactionDetailSchema.parse(item)
        codes.add(row.transaction_info.transaction_event_code)
        statuses.add(row.transaction_info.transaction_status)
        expect(row.transaction_info.transaction_initiation_date).toMatch(/\+0000$/)
        const info = row.transaction_info
        if (info.transaction_event_code === 'T1107')
          refundFees.push({currency: info.transaction_amount.currency_code, fee: info.fee_amount?.value ?? null})
      }
    }
    expect(pages).toBeGreaterThan(1)
    // Payments, refunds, a chargeback and its fee, a claim's hold, withdrawals; closed disputes add T1202
    // (chargeback won), T1111 (hold released) and T1106 (claim lost: PayPal reverses the payment).
    for (const code of ['T0006', 'T1107', 'T1201', 'T0106', 'T1110', 'T0400']) expect(codes).toContain(code)
    for (const code of codes)
      expect(['T0006', 'T1107', 'T1201', 'T1202', 'T0106', 'T1110', 'T1111', 'T1106', 'T0400']).toContain(code)
    // A refund gives back the variable part of the fee as a positive fee_amount, except in the US, where PayPal
    // keeps the whole fee (src/sandbox/paypal/refund-fee.ts has the sources).
    expect(refundFees.filter((r) => r.currency === 'USD').length).toBeGreaterThan(0)
    expect(refundFees.filter((r) => r.currency === 'USD' && r.fee !== null)).toEqual([])
    const returned = refundFees.filter((r) => r.currency !== 'USD' && r.fee !== null)
    expect(returned.length).toBeGreaterThan(0)
    expect(returned.filter((r) => r.fee!.startsWith('-') || Number(r.fee) === 0)).toEqual([])
    // F: partially refunded (PayPal's API reference), as well as D, P, S and V.
    expect([...statuses].sort()).toEqual(['D', 'F', 'P', 'S', 'V'])
    const defaults = SearchResponseSchema.parse(
      (
        await call(
          'GET',
          '/v1/reporting/transactions',
          {start_date: '2025-01-01T00:00:00Z', end_date: '2025-01-25T00:00:00Z'},
          '',
          auth,
        )
      ).json,
    )
    // Defaults: fields=transaction_info only, balance-affecting rows only (no denied ones).
    expect(defaults.transaction_details.every((d) => !('payer_info' in (d as object)))).toBe(true)
    expect(
      defaults.transaction_details.some(
        (d) => TransactionDetailSchema.parse({...(d as object)}).transaction_info.transaction_status === 'D',
      ),
    ).toBe(false)

    const disputes = DisputeListSchema.parse(
      (await call('GET', '/v1/customer/disputes', {page_size: '50'}, '', auth)).json,
    )
    expect(disputes.items?.length).toBeGreaterThan(0)
    const channels = new Set<unknown>()
    for (const item of disputes.items ?? []) {
      const summary = DisputeSummarySchema.parse(item)
      const detail = (await call('GET', `/v1/customer/disputes/${summary.dispute_id}`, {}, '', auth)).json
      channels.add(DisputeDetailSchema.parse(detail).dispute_channel)
    }
    // Claims filed with PayPal and card chargebacks, as customer_disputes_v1 names the two.
    expect([...channels].sort()).toEqual(['EXTERNAL', 'INTERNAL'])

    for (const w of e.webhooks(scenarioEvents(paymentsFor(scenario, 'paypal', 'own')).slice(0, 200), 'http://x/hook')) {
      const envelope = WebhookEnvelopeSchema.parse(JSON.parse(w.body))
      if (envelope.resource_type === 'capture') CaptureSchema.parse(envelope.resource)
      else if (envelope.resource_type === 'refund') RefundSchema.parse(envelope.resource)
      else DisputeDetailSchema.parse(envelope.resource)
    }

    const customer = scenario.customers[0]!
    const order = await call(
      'POST',
      '/v2/checkout/orders',
      {},
      JSON.stringify({
        intent: 'CAPTURE',
        purchase_units: [{amount: {currency_code: 'USD', value: '10.00'}}],
        payment_source: {paypal: {vault_id: customer.paymentMethods.paypal}},
      }),
      auth,
    )
    expect(order.status).toBe(201)
    OrderSchema.parse(order.json)
    const decimalsJpy = await call(
      'POST',
      '/v2/checkout/orders',
      {},
      JSON.stringify({
        intent: 'CAPTURE',
        purchase_units: [{amount: {currency_code: 'JPY', value: '10.50'}}],
        payment_source: {paypal: {vault_id: customer.paymentMethods.paypal}},
      }),
      auth,
    )
    expect(decimalsJpy.status).toBe(422)
    expect(ErrorBodySchema.parse(decimalsJpy.json).details?.[0]?.issue).toBe('DECIMALS_NOT_SUPPORTED')
    const unapproved = OrderSchema.parse(
      (
        await call(
          'POST',
          '/v2/checkout/orders',
          {},
          JSON.stringify({intent: 'CAPTURE', purchase_units: [{amount: {currency_code: 'USD', value: '1.00'}}]}),
          auth,
        )
      ).json,
    )
    const capture = await call('POST', `/v2/checkout/orders/${unapproved.id}/capture`, {}, '{}', auth)
    expect(capture.status).toBe(422)
    expect(ErrorBodySchema.parse(capture.json).details?.[0]?.issue).toBe('ORDER_NOT_APPROVED')

    const unauthorized = await call('GET', '/v1/customer/disputes', {}, '', {authorization: 'Bearer nope'})
    expect(unauthorized.status).toBe(401)
    expect(unauthorized.json).toMatchObject({error: 'invalid_token'})
    const badClient = await call('POST', '/v1/oauth2/token', {}, 'grant_type=client_credentials', {
      authorization: `Basic ${Buffer.from('a:b').toString('base64')}`,
    })
    expect(badClient).toMatchObject({status: 401, json: {error: 'invalid_client'}})
    const missing = await call('POST', '/v1/notifications/verify-webhook-signature', {}, '{}', auth)
    expect(missing.status).toBe(400)
    ErrorBodySchema.parse(missing.json)
    const [w] = e.webhooks([scenarioEvents(paymentsFor(scenario, 'paypal', 'own'))[0]!], 'http://x/hook')
    const verify = await call(
      'POST',
      '/v1/notifications/verify-webhook-signature',
      {},
      JSON.stringify({
        auth_algo: w!.headers['paypal-auth-algo'],
        cert_url: w!.headers['paypal-cert-url'],
        transmission_id: w!.headers['paypal-transmission-id'],
        transmission_sig: w!.headers['paypal-transmission-sig'],
        transmission_time: w!.headers['paypal-transmission-time'],
        webhook_id: e.settings.webhook_id,
        webhook_event: JSON.parse(w!.body),
      }),
      auth,
    )
    expect(VerifyResponseSchema.parse(verify.json).verification_status).toBe('SUCCESS')
  })
})
