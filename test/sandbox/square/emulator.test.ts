import {describe, expect, it} from 'vitest'

import {createSquareEmulator} from '../../../src/sandbox/square/emulator.js'
import type {EmulatorRequest} from '../../../src/sandbox/emulator.js'
import {paymentStateAt} from '../../../src/sandbox/model.js'
import {manualClock, squareWorld} from '../../gateways/square/world.js'

const scenario = squareWorld({seed: 3, customers: 30, transactions: 400})
const clock = manualClock(scenario.end)
const emulator = createSquareEmulator({scenario, share: 'own', clock})

function get(path: string, query: Record<string, string> = {}, token = emulator.secrets.access_token) {
  const req: EmulatorRequest = {
    method: 'GET',
    path,
    query: new URLSearchParams(query),
    headers: {authorization: `Bearer ${token}`},
    rawBody: Buffer.alloc(0),
  }
  const res = emulator.handle(req) as {status: number; body: string}
  return {
    status: res.status,
    body: JSON.parse(res.body) as Record<string, unknown> & {
      payments?: Record<string, unknown>[]
      cursor?: string
      errors?: {code: string; field?: string}[]
    },
  }
}

function all(path: string, query: Record<string, string>): Record<string, unknown>[] {
  const key = path.split('/').pop() as 'payments'
  const out: Record<string, unknown>[] = []
  let cursor: string | undefined
  do {
    const {body} = get(path, {...query, ...(cursor ? {cursor} : {})})
    out.push(...((body[key] as Record<string, unknown>[] | undefined) ?? []))
    cursor = body.cursor
  } while (cursor)
  return out
}

describe('Square emulator wire behaviour', () => {
  it('answers 401 UNAUTHORIZED in errors[] for a wrong or missing token', () => {
    const res = get('/v2/payments', {}, 'nope')
    expect(res.status).toBe(401)
    expect(res.body.errors?.[0]).toMatchObject({category: 'AUTHENTICATION_ERROR', code: 'UNAUTHORIZED'})
  })

  it('defaults to 100 per page, caps larger limits at 100, and omits the cursor on the last page', () => {
    const begin = {begin_time: scenario.start}
    expect(get('/v2/payments', begin).body.payments).toHaveLength(100)
    expect(get('/v2/payments', {...begin, limit: '500'}).body.payments).toHaveLength(100)
    const last = get('/v2/payments', {...begin, begin_time: '2025-02-28T00:00:00Z'})
    expect(last.body.payments!.length).toBeLessThan(100)
    expect('cursor' in last.body).toBe(false)
  })

  it('begin_time defaults to one year before now and matches created_at', () => {
    clock.set('2026-01-15T00:00:00.000Z')
    try {
      const created = all('/v2/payments', {}).map((p) => String(p.created_at))
      expect(created.every((t) => t >= '2025-01-15T00:00:00.000Z')).toBe(true)
      expect(created.length).toBeLessThan(scenario.payments.length)
      expect(all('/v2/payments', {begin_time: '2024-12-31T00:00:00Z'})).toHaveLength(scenario.payments.length)
    } finally {
      clock.set(scenario.end)
    }
  })

  it('filters updated_at windows and end_time, and sorts both ways', () => {
    const from = '2025-02-10T00:00:00.000Z'
    const to = '2025-02-20T00:00:00.000Z'
    const window = all('/v2/payments', {
      begin_time: scenario.start,
      updated_at_begin_time: from,
      updated_at_end_time: to,
      sort_field: 'UPDATED_AT',
      sort_order: 'ASC',
    })
    const updated = window.map((p) => String(p.updated_at))
    expect(updated.length).toBeGreaterThan(0)
    expect(updated.every((t) => t >= from && t <= to)).toBe(true)
    expect([...updated].sort()).toEqual(updated)
    const ended = all('/v2/payments', {begin_time: scenario.start, end_time: from})
    expect(ended.every((p) => String(p.created_at) <= from)).toBe(true)
    const desc = ended.map((p) => String(p.created_at))
    expect([...desc].sort().reverse()).toEqual(desc)
  })

  it('shows only what exists at clock.now(), in the state it has then', () => {
    const p = scenario.payments.find((x) => x.settledAt !== null && x.outcome === 'succeeded')!
    const id = emulator.externalId('payment', p.key)
    clock.set(new Date(Date.parse(p.createdAt) - 1).toISOString())
    expect(get(`/v2/payments/${id}`).status).toBe(404)
    clock.set(p.createdAt)
    expect(get(`/v2/payments/${id}`).body.payment).toMatchObject({
      status: 'PENDING',
      updated_at: p.createdAt,
      source_type: 'BANK_ACCOUNT',
    })
    clock.set(p.settledAt!)
    expect(get(`/v2/payments/${id}`).body.payment).toMatchObject({status: 'COMPLETED', updated_at: p.settledAt})
    clock.set(scenario.end)
  })

  it('renders a failed payment with its decline in card_details.errors', () => {
    const p = scenario.payments.find((x) => x.outcome === 'failed' && x.settledAt === null)!
    const payment = get(`/v2/payments/${emulator.externalId('payment', p.key)}`).body.payment as {
      status: string
      card_details: {status: string; errors: {code: string}[]}
    }
    expect(payment.status).toBe('FAILED')
    expect(payment.card_details.status).toBe('FAILED')
    expect(payment.card_details.errors[0]?.code).toBe(emulator.declineFor(p.decline!).code)
  })

  it('refunds: filters by status, carry payment_id, and appear on the payment', () => {
    const refunds = all('/v2/refunds', {begin_time: scenario.start})
    const want = scenario.payments.flatMap((p) => paymentStateAt(p, scenario.end).refunds)
    expect(refunds).toHaveLength(want.length)
    expect(all('/v2/refunds', {begin_time: scenario.start, status: 'PENDING'})).toHaveLength(0)
    const r = refunds[0] as {id: string; payment_id: string}
    expect(get(`/v2/refunds/${r.id}`).body.refund).toEqual(r)
    expect((get(`/v2/payments/${r.payment_id}`).body.payment as {refund_ids: string[]}).refund_ids).toContain(r.id)
  })

  it('rejects malformed parameters with Square errors naming the field', () => {
    expect(get('/v2/payments', {begin_time: 'yesterday'}).body.errors?.[0]).toMatchObject({
      code: 'INVALID_TIME',
      field: 'begin_time',
    })
    expect(get('/v2/payments', {sort_order: 'UP'}).body.errors?.[0]).toMatchObject({
      code: 'INVALID_ENUM_VALUE',
      field: 'sort_order',
    })
    expect(get('/v2/payments', {cursor: '%%%'}).body.errors?.[0]).toMatchObject({code: 'INVALID_CURSOR'})
    expect(get('/v2/nothing').status).toBe(404)
  })

  it('POST /v2/payments validates the idempotency key length', () => {
    const res = emulator.handle({
      method: 'POST',
      path: '/v2/payments',
      query: new URLSearchParams(),
      headers: {authorization: `Bearer ${emulator.secrets.access_token}`},
      rawBody: Buffer.from(
        JSON.stringify({
          idempotency_key: 'k'.repeat(46),
          source_id: 'cnon:card-nonce-ok',
          amount_money: {amount: 100, currency: 'USD'},
        }),
      ),
    }) as {status: number; body: string}
    expect(res.status).toBe(400)
    expect(JSON.parse(res.body).errors[0]).toMatchObject({code: 'VALUE_TOO_LONG', field: 'idempotency_key'})
  })
})

describe('payments created through the API', () => {
  it('are listed and announced by webhooks', async () => {
    const {scenarioEvents} = await import('../../../src/sandbox/model.js')
    const customer = scenario.customers[1]!
    const res = emulator.handle({
      method: 'POST',
      path: '/v2/payments',
      query: new URLSearchParams(),
      headers: {authorization: `Bearer ${emulator.secrets.access_token}`},
      rawBody: Buffer.from(
        JSON.stringify({
          idempotency_key: 'api-1',
          source_id: customer.paymentMethods.square,
          customer_id: customer.refs.square,
          amount_money: {amount: 900, currency: 'EUR'},
        }),
      ),
    }) as {status: number; body: string}
    expect(res.status).toBe(200)
    const id = (JSON.parse(res.body) as {payment: {id: string}}).payment.id
    expect(all('/v2/payments', {begin_time: scenario.start}).map((p) => p.id)).toContain(id)
    const created = emulator.createdPayments()
    expect(created).toHaveLength(1)
    const hooks = emulator.webhooks(scenarioEvents(created), 'https://h.example/sq')
    expect(hooks).toHaveLength(1)
    expect(JSON.parse(hooks[0]!.body)).toMatchObject({
      type: 'payment.created',
      data: {id, object: {payment: {id, customer_id: customer.refs.square}}},
    })
  })
})
