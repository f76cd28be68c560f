import {assertCurrency} from '../../core/currency.js'
import type {Decision} from '../../core/transaction.js'
import type {EmulatorOptions, EmulatorRequest, EmulatorResponse, GatewayEmulator, SignedWebhook} from '../emulator.js'
import {DUPLICATE_HINT_HEADER} from '../faults.js'
import {type DeclineReason, DECLINE_REASONS, paymentStateAt, paymentsFor, type ScenarioEvent, type ScenarioPayment} from '../model.js'
import {
  type DeclineInfo,
  derive,
  deriveUuid,
  ids,
  type PaymentRecord,
  paymentUpdatedAt,
  renderDispute,
  renderLocation,
  renderPayment,
  renderRefund,
} from './render.js'
import {toIsoUtc} from '../../gateways/square/translate.js'
import {SIGNATURE_HEADER, squareSignature} from '../../gateways/square/webhook.js'

/**
 * Square emulator: GET /v2/payments, /v2/refunds, /v2/disputes (lists with Square's filters and opaque cursors),
 * GET of one object, GET /v2/locations and POST /v2/payments, with Bearer auth and `errors[]` bodies.
 * Objects appear once created by clock.now() and show their state at that moment (paymentStateAt).
 *
 * CreatePayment outcomes are deterministic by source_id: a scenario customer's card on file, `cnon:card-nonce-ok`
 * or `ccof:customer-card-id-ok` succeed; Square's sandbox error nonces (`cnon:card-nonce-declined`,
 * `-rejected-cvv`, `-rejected-postalcode`, `-rejected-expiration`) and `ccof:decline-<reason>` (a scenario decline
 * reason, e.g. ccof:decline-insufficient_funds) fail with the matching code; any other source is NOT_FOUND.
 */
export interface SquareEmulator extends GatewayEmulator {
  /** Payments made through POST /v2/payments, as scenario payments: pass scenarioEvents() of them to webhooks(). */
  createdPayments(): ScenarioPayment[]
}

const DECLINES: Record<DeclineReason, {code: string; decision: Decision}> = {
  insufficient_funds: {code: 'INSUFFICIENT_FUNDS', decision: 'retry'},
  generic: {code: 'GENERIC_DECLINE', decision: 'retry'},
  issuer_unavailable: {code: 'TEMPORARY_ERROR', decision: 'retry'},
  expired_card: {code: 'CARD_EXPIRED', decision: 'terminal'},
  stolen_card: {code: 'CARD_DECLINED_CALL_ISSUER', decision: 'terminal'},
}

const SANDBOX_NONCE_DECLINES: Record<string, string> = {
  'cnon:card-nonce-declined': 'GENERIC_DECLINE',
  'cnon:card-nonce-rejected-cvv': 'CVV_FAILURE',
  'cnon:card-nonce-rejected-postalcode': 'ADDRESS_VERIFICATION_FAILURE',
  'cnon:card-nonce-rejected-expiration': 'INVALID_EXPIRATION',
}
const SANDBOX_NONCE_OK = new Set(['cnon:card-nonce-ok', 'ccof:customer-card-id-ok'])

const MAX_LIMIT = 100
const YEAR_MS = 365 * 86_400_000
const ALNUM = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789'

interface SquareErr {
  category: string
  code: string
  detail: string
  field?: string
}

/** Sandbox fault `duplicate`: a flaky replica repeats the first item of a list page; the cursor is unchanged. */
function withDuplicate(req: EmulatorRequest, rows: Row[]): Row[] {
  return req.headers[DUPLICATE_HINT_HEADER] === 'duplicate' && rows[0] ? [rows[0], ...rows] : rows
}

function json(status: number, body: unknown): EmulatorResponse {
  return {status, headers: {'content-type': 'application/json'}, body: JSON.stringify(body)}
}
function errors(status: number, ...errs: SquareErr[]): EmulatorResponse {
  return json(status, {errors: errs})
}
function invalid(code: string, detail: string, field?: string): EmulatorResponse {
  return errors(400, {category: 'INVALID_REQUEST_ERROR', code, detail, ...(field ? {field} : {})})
}
function notFound(detail: string): EmulatorResponse {
  return errors(404, {category: 'INVALID_REQUEST_ERROR', code: 'NOT_FOUND', detail})
}

class BadRequest extends Error {
  constructor(readonly response: EmulatorResponse) {
    super('bad request')
  }
}

/** One listable object at the current time: keys to filter and sort on, and its JSON on demand. */
interface Row {
  id: string
  created: string
  updated: string
  location: string
  status: string
  sourceType: string
  render(): Record<string, unknown>
}

function decline(code: string): DeclineInfo {
  return {code, category: code === 'TEMPORARY_ERROR' ? 'API_ERROR' : 'PAYMENT_METHOD_ERROR', detail: `Authorization error: '${code}'`}
}

function canonical(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(canonical).join(',')}]`
  if (value && typeof value === 'object') {
    return `{${Object.keys(value)
      .sort()
      .map((k) => `${JSON.stringify(k)}:${canonical((value as Record<string, unknown>)[k])}`)
      .join(',')}}`
  }
  return JSON.stringify(value)
}

function timeParam(query: URLSearchParams, name: string): string | undefined {
  const value = query.get(name)
  if (value === null || value === '') return undefined
  try {
    return toIsoUtc(value)
  } catch {
    throw new BadRequest(invalid('INVALID_TIME', `Invalid ${name}: expected an RFC 3339 timestamp.`, name))
  }
}

function enumParam<T extends string>(query: URLSearchParams, name: string, allowed: readonly T[], fallback: T): T {
  const value = query.get(name)
  if (value === null || value === '') return fallback
  if (!(allowed as readonly string[]).includes(value)) {
    throw new BadRequest(invalid('INVALID_ENUM_VALUE', `Invalid value for ${name}: ${value}. Expected one of ${allowed.join(', ')}.`, name))
  }
  return value as T
}

function limitParam(query: URLSearchParams): number {
  const value = Number.parseInt(query.get('limit') ?? '', 10)
  if (!Number.isFinite(value) || value < 1) return MAX_LIMIT
  return Math.min(value, MAX_LIMIT) // larger values are ignored, as Square does
}

interface CursorPos {
  k: string
  i: string
}
function encodeCursor(pos: CursorPos): string {
  return Buffer.from(JSON.stringify(pos)).toString('base64url')
}
function decodeCursor(query: URLSearchParams): CursorPos | null {
  const value = query.get('cursor')
  if (value === null || value === '') return null
  try {
    const pos = JSON.parse(Buffer.from(value, 'base64url').toString('utf8')) as CursorPos
    if (typeof pos.k === 'string' && typeof pos.i === 'string') return pos
  } catch {
    // fall through
  }
  throw new BadRequest(invalid('INVALID_CURSOR', 'The pagination cursor is not valid.', 'cursor'))
}

/** Keyset page over rows sorted by (key, id): stable while objects appear or change between pages. */
function page(
  sorted: readonly Row[],
  key: (r: Row) => string,
  order: 'ASC' | 'DESC',
  keep: (r: Row) => boolean,
  after: CursorPos | null,
  limit: number,
): {rows: Row[]; cursor: string | undefined} {
  const out: Row[] = []
  const n = sorted.length
  for (let step = 0; step < n; step++) {
    const row = sorted[order === 'ASC' ? step : n - 1 - step] as Row
    if (after) {
      const k = key(row)
      const cmp = k < after.k ? -1 : k > after.k ? 1 : row.id < after.i ? -1 : row.id > after.i ? 1 : 0
      if (order === 'ASC' ? cmp <= 0 : cmp >= 0) continue
    }
    if (!keep(row)) continue
    if (out.length === limit) {
      const last = out[out.length - 1] as Row
      return {rows: out, cursor: encodeCursor({k: key(last), i: last.id})}
    }
    out.push(row)
  }
  return {rows: out, cursor: undefined}
}

function sortRows(rows: Row[], key: (r: Row) => string): Row[] {
  return [...rows].sort((a, b) => {
    const ka = key(a)
    const kb = key(b)
    return ka < kb ? -1 : ka > kb ? 1 : a.id < b.id ? -1 : a.id > b.id ? 1 : 0
  })
}

export function createSquareEmulator(opts: EmulatorOptions): SquareEmulator {
  const {scenario, clock} = opts
  const seed = scenario.seed
  const secrets = {
    access_token: `EAAA${derive(60, ALNUM, seed, 'access_token')}`,
    signature_key: derive(22, `${ALNUM}-_`, seed, 'signature_key'),
  }
  const merchantId = ids.merchant(seed)
  const customers = new Map(scenario.customers.map((c) => [c.id, c]))
  const cardOwners = new Map(scenario.customers.map((c) => [c.paymentMethods.square, c]))
  const byRef = new Map(scenario.customers.map((c) => [c.refs.square, c]))
  const siteOf = (siteId: string) => scenario.sites.find((s) => s.id === siteId) ?? scenario.sites[0]
  const locationIds = new Set(scenario.sites.map((s) => ids.location(seed, s.id)))
  const defaultLocation = scenario.sites[0] ? ids.location(seed, scenario.sites[0].id) : `L${derive(12, 'ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789', seed, 'main')}`

  const records: PaymentRecord[] = []
  const byKey = new Map<string, PaymentRecord>()
  const byId = new Map<string, PaymentRecord>()
  const refundById = new Map<string, {rec: PaymentRecord; key: string}>()
  const created: ScenarioPayment[] = []
  const idempotency = new Map<string, {request: string; response: EmulatorResponse}>()
  let version = 0

  function addRecord(p: ScenarioPayment, extra: Partial<Pick<PaymentRecord, 'customerId' | 'locationId' | 'referenceId' | 'note' | 'decline'>> = {}): PaymentRecord {
    const customer = customers.get(p.customer)
    const id = ids.payment(seed, p.key)
    const rec: PaymentRecord = {
      p,
      id,
      refundIds: new Map(p.refunds.map((r) => [r.key, ids.refund(seed, id, r.key)])),
      disputeId: p.dispute ? ids.dispute(seed, p.dispute.key) : null,
      customerId: extra.customerId ?? customer?.refs.square,
      locationId: extra.locationId ?? (customer ? ids.location(seed, siteOf(customer.site)?.id ?? '') : defaultLocation),
      referenceId: extra.referenceId ?? p.invoice ?? undefined,
      note: extra.note,
      // Payments that stay pending before they settle are bank (ACH) debits; the rest are cards on file.
      sourceType: p.settledAt !== null ? 'BANK_ACCOUNT' : 'CARD',
      decline: extra.decline ?? (p.decline ? decline(DECLINES[p.decline].code) : null),
    }
    records.push(rec)
    byKey.set(p.key, rec)
    byId.set(id, rec)
    for (const [key, refundId] of rec.refundIds) refundById.set(refundId, {rec, key})
    version++
    return rec
  }
  for (const p of paymentsFor(scenario, 'square', opts.share)) addRecord(p)

  const recordFor = (p: ScenarioPayment): PaymentRecord => byKey.get(p.key) ?? addRecord(p)

  // The rows visible at one instant, rebuilt when the clock moves or a payment is created.
  let snapshot: {at: string; version: number; payments: Row[]; refunds: Row[]; disputes: Row[]; sorted: Map<string, Row[]>} | null = null
  // Every instant at which some object changes, sorted: a snapshot stays valid until the clock passes the next one,
  // so an emulator on a wall clock does not rebuild its lists on every request.
  let changes: {version: number; times: string[]} | null = null
  function changeTimes(): string[] {
    if (changes && changes.version === version) return changes.times
    const times: string[] = []
    for (const {p} of records) {
      times.push(p.createdAt)
      if (p.settledAt) times.push(p.settledAt)
      for (const r of p.refunds) times.push(r.at)
      if (p.dispute) times.push(p.dispute.openedAt, ...(p.dispute.closedAt ? [p.dispute.closedAt] : []))
    }
    times.sort()
    changes = {version, times}
    return times
  }
  function unchangedBetween(from: string, to: string): boolean {
    if (to < from) return false
    const times = changeTimes()
    let lo = 0
    let hi = times.length
    while (lo < hi) {
      const mid = (lo + hi) >>> 1
      if ((times[mid] as string) <= from) lo = mid + 1
      else hi = mid
    }
    return lo === times.length || (times[lo] as string) > to
  }
  function view(at: string) {
    if (snapshot && snapshot.version === version && (snapshot.at === at || unchangedBetween(snapshot.at, at))) return snapshot
    const payments: Row[] = []
    const refunds: Row[] = []
    const disputes: Row[] = []
    for (const rec of records) {
      const {p} = rec
      if (p.createdAt > at) continue
      const state = paymentStateAt(p, at)
      payments.push({
        id: rec.id,
        created: p.createdAt,
        updated: paymentUpdatedAt(p, state),
        location: rec.locationId,
        status: state.status,
        sourceType: rec.sourceType,
        render: () => renderPayment(rec, at, seed),
      })
      for (const r of state.refunds) {
        refunds.push({
          id: rec.refundIds.get(r.key) ?? '',
          created: r.at,
          updated: r.at,
          location: rec.locationId,
          status: 'COMPLETED',
          sourceType: rec.sourceType,
          render: () => renderRefund(rec, r),
        })
      }
      const dispute = renderDispute(rec, at, seed)
      if (dispute) {
        disputes.push({
          id: String(dispute.id),
          created: String(dispute.created_at),
          updated: String(dispute.updated_at),
          location: rec.locationId,
          status: String(dispute.state),
          sourceType: rec.sourceType,
          render: () => dispute,
        })
      }
    }
    snapshot = {at, version, payments, refunds, disputes, sorted: new Map()}
    return snapshot
  }
  function sorted(v: NonNullable<typeof snapshot>, kind: 'payments' | 'refunds' | 'disputes', field: 'created' | 'updated'): Row[] {
    const name = `${kind}:${field}`
    let rows = v.sorted.get(name)
    if (!rows) {
      rows = sortRows(v[kind], (r) => r[field])
      v.sorted.set(name, rows)
    }
    return rows
  }

  const nowIso = () => new Date(clock.now()).toISOString()

  function listTimeFilter(query: URLSearchParams, now: string) {
    const begin = timeParam(query, 'begin_time') ?? new Date(Date.parse(now) - YEAR_MS).toISOString()
    const end = timeParam(query, 'end_time') ?? now
    const updatedBegin = timeParam(query, 'updated_at_begin_time')
    const updatedEnd = timeParam(query, 'updated_at_end_time')
    const location = query.get('location_id') || undefined
    return (r: Row) =>
      r.created >= begin &&
      r.created <= end &&
      (updatedBegin === undefined || r.updated >= updatedBegin) &&
      (updatedEnd === undefined || r.updated <= updatedEnd) &&
      (location === undefined || r.location === location)
  }

  function listPayments(req: EmulatorRequest): EmulatorResponse {
    const query = req.query
    const now = nowIso()
    const v = view(now)
    const field = enumParam(query, 'sort_field', ['CREATED_AT', 'UPDATED_AT', 'OFFLINE_CREATED_AT'] as const, 'CREATED_AT') === 'UPDATED_AT' ? 'updated' : 'created'
    const order = enumParam(query, 'sort_order', ['ASC', 'DESC'] as const, 'DESC')
    const keep = listTimeFilter(query, now)
    const result = page(sorted(v, 'payments', field), (r) => r[field], order, keep, decodeCursor(query), limitParam(query))
    return json(200, {payments: withDuplicate(req, result.rows).map((r) => r.render()), ...(result.cursor ? {cursor: result.cursor} : {})})
  }

  function listRefunds(req: EmulatorRequest): EmulatorResponse {
    const query = req.query
    const now = nowIso()
    const v = view(now)
    const field = enumParam(query, 'sort_field', ['CREATED_AT', 'UPDATED_AT'] as const, 'CREATED_AT') === 'UPDATED_AT' ? 'updated' : 'created'
    const order = enumParam(query, 'sort_order', ['ASC', 'DESC'] as const, 'DESC')
    const time = listTimeFilter(query, now)
    const status = query.get('status') || undefined
    const sourceType = query.get('source_type') || undefined
    const keep = (r: Row) => time(r) && (status === undefined || r.status === status) && (sourceType === undefined || r.sourceType === sourceType)
    const result = page(sorted(v, 'refunds', field), (r) => r[field], order, keep, decodeCursor(query), limitParam(query))
    return json(200, {refunds: withDuplicate(req, result.rows).map((r) => r.render()), ...(result.cursor ? {cursor: result.cursor} : {})})
  }

  function listDisputes(req: EmulatorRequest): EmulatorResponse {
    const query = req.query
    const v = view(nowIso())
    const states = new Set(query.getAll('states').flatMap((s) => s.split(',')).filter((s) => s.length > 0))
    const location = query.get('location_id') || undefined
    const keep = (r: Row) => (states.size === 0 || states.has(r.status)) && (location === undefined || r.location === location)
    const result = page(sorted(v, 'disputes', 'created'), (r) => r.created, 'ASC', keep, decodeCursor(query), MAX_LIMIT)
    return json(200, {disputes: withDuplicate(req, result.rows).map((r) => r.render()), ...(result.cursor ? {cursor: result.cursor} : {})})
  }

  function getPayment(id: string): EmulatorResponse {
    const rec = byId.get(id)
    const now = nowIso()
    if (!rec || rec.p.createdAt > now) return notFound(`Could not find payment with id: ${id}`)
    return json(200, {payment: renderPayment(rec, now, seed)})
  }

  function getRefund(id: string): EmulatorResponse {
    const found = refundById.get(id)
    const refund = found?.rec.p.refunds.find((r) => r.key === found.key)
    if (!found || !refund || refund.at > nowIso()) return notFound(`Could not find refund with id: ${id}`)
    return json(200, {refund: renderRefund(found.rec, refund)})
  }

  function getDispute(id: string): EmulatorResponse {
    const now = nowIso()
    const rec = records.find((r) => r.disputeId === id)
    const dispute = rec ? renderDispute(rec, now, seed) : null
    if (!dispute) return notFound(`Could not find dispute with id: ${id}`)
    return json(200, {dispute})
  }

  function createPayment(rawBody: Buffer): EmulatorResponse {
    let body: Record<string, unknown>
    try {
      const parsed: unknown = JSON.parse(rawBody.toString('utf8'))
      if (!parsed || typeof parsed !== 'object' || Array.isArray(parsed)) throw new Error('not an object')
      body = parsed as Record<string, unknown>
    } catch {
      return invalid('INVALID_REQUEST_ERROR', 'The request body is not a JSON object.')
    }
    const key = body.idempotency_key
    if (typeof key !== 'string' || key.length === 0) return invalid('MISSING_REQUIRED_PARAMETER', 'Field must be set', 'idempotency_key')
    if (key.length > 45) return invalid('VALUE_TOO_LONG', 'Field must not be greater than 45 length', 'idempotency_key')
    const request = canonical(body)
    const previous = idempotency.get(key)
    if (previous) {
      if (previous.request === request) return previous.response
      return invalid('IDEMPOTENCY_KEY_REUSED', 'The idempotency key can only be retried with the same request data.', 'idempotency_key')
    }
    const response = executeCreate(body)
    // Square keeps the response of a request it processed; a request it refused as invalid can be fixed and re-sent.
    if (response.status < 400 || isDecline(response)) idempotency.set(key, {request, response})
    return response
  }

  function isDecline(res: EmulatorResponse): boolean {
    return typeof res.body === 'string' && res.body.includes('"payment"')
  }

  function executeCreate(body: Record<string, unknown>): EmulatorResponse {
    const source = body.source_id
    if (typeof source !== 'string' || source.length === 0) return invalid('MISSING_REQUIRED_PARAMETER', 'Field must be set', 'source_id')
    const money = body.amount_money as {amount?: unknown; currency?: unknown} | undefined
    if (!money || typeof money !== 'object') return invalid('MISSING_REQUIRED_PARAMETER', 'Field must be set', 'amount_money')
    if (typeof money.amount !== 'number' || !Number.isSafeInteger(money.amount)) return invalid('EXPECTED_INTEGER', 'Expected an integer value.', 'amount_money.amount')
    if (money.amount < 1) return invalid('INVALID_VALUE', 'amount_money.amount must be positive', 'amount_money.amount')
    let currency: string
    try {
      if (typeof money.currency !== 'string' || money.currency !== money.currency.toUpperCase()) throw new Error('case')
      currency = assertCurrency(money.currency)
    } catch {
      return invalid('INVALID_ENUM_VALUE', `Invalid currency: ${String(money.currency)}`, 'amount_money.currency')
    }
    const locationId = typeof body.location_id === 'string' ? body.location_id : defaultLocation
    if (!locationIds.has(locationId) && locationId !== defaultLocation) return notFound(`Location \`${locationId}\` not found.`)
    const customerId = typeof body.customer_id === 'string' ? body.customer_id : undefined

    let declineInfo: DeclineInfo | null = null
    let reason: DeclineReason | null = null
    const magic = /^ccof:decline-(.+)$/.exec(source)?.[1]
    if (magic !== undefined && (DECLINE_REASONS as readonly string[]).includes(magic)) {
      reason = magic as DeclineReason
      declineInfo = decline(DECLINES[reason].code)
    } else if (SANDBOX_NONCE_DECLINES[source]) {
      reason = 'generic'
      declineInfo = decline(SANDBOX_NONCE_DECLINES[source])
    } else if (!SANDBOX_NONCE_OK.has(source) && !cardOwners.has(source)) {
      return notFound(`Card nonce or card on file \`${source}\` not found.`)
    }

    // The amount at Square's exponent is the ISO one (no deviation for Square); the fee is ~2.9 %, rounded half-up.
    const amount = {minor: money.amount, currency}
    const fee = declineInfo ? 0 : Math.floor((money.amount * 29 + 500) / 1000)
    const owner = cardOwners.get(source) ?? (customerId ? byRef.get(customerId) : undefined)
    const p: ScenarioPayment = {
      key: `api-${String(created.length + 1).padStart(6, '0')}`,
      gateway: 'square',
      customer: owner?.id ?? '',
      invoice: typeof body.reference_id === 'string' ? body.reference_id : null,
      amount,
      fee: {minor: fee, currency},
      createdAt: nowIso(),
      settledAt: null,
      outcome: declineInfo ? 'failed' : 'succeeded',
      decline: reason,
      refunds: [],
      dispute: null,
    }
    created.push(p)
    const rec = addRecord(p, {
      customerId,
      locationId,
      referenceId: p.invoice ?? undefined,
      note: typeof body.note === 'string' ? body.note : undefined,
      decline: declineInfo,
    })
    const payment = renderPayment(rec, p.createdAt, seed)
    if (declineInfo) return json(400, {errors: [{category: declineInfo.category, code: declineInfo.code, detail: declineInfo.detail}], payment})
    return json(200, {payment})
  }

  function route(req: EmulatorRequest): EmulatorResponse {
    if (req.headers.authorization !== `Bearer ${secrets.access_token}`) {
      return errors(401, {category: 'AUTHENTICATION_ERROR', code: 'UNAUTHORIZED', detail: 'This request could not be authorized.'})
    }
    const path = req.path.replace(/\/+$/, '')
    const one = /^\/v2\/(payments|refunds|disputes)\/([^/]+)$/.exec(path)
    if (req.method === 'GET') {
      if (path === '/v2/payments') return listPayments(req)
      if (path === '/v2/refunds') return listRefunds(req)
      if (path === '/v2/disputes') return listDisputes(req)
      if (path === '/v2/locations') return json(200, {locations: scenario.sites.map((s) => renderLocation(s, seed, scenario.start))})
      if (one?.[1] === 'payments') return getPayment(decodeURIComponent(one[2] ?? ''))
      if (one?.[1] === 'refunds') return getRefund(decodeURIComponent(one[2] ?? ''))
      if (one?.[1] === 'disputes') return getDispute(decodeURIComponent(one[2] ?? ''))
    }
    if (req.method === 'POST' && path === '/v2/payments') return createPayment(req.rawBody)
    return notFound(`API endpoint for URL path \`${req.path}\` and HTTP method \`${req.method}\` is not found.`)
  }

  function event(type: string, at: string, objectType: 'payment' | 'refund' | 'dispute', object: Record<string, unknown>, targetUrl: string, ...idParts: string[]): SignedWebhook {
    const eventId = deriveUuid(seed, 'event', type, at, ...idParts)
    const body = JSON.stringify({
      merchant_id: merchantId,
      type,
      event_id: eventId,
      created_at: at,
      data: {type: objectType, id: String(object.id), object: {[objectType]: object}},
    })
    return {
      at,
      dedupId: eventId,
      body,
      headers: {
        'content-type': 'application/json',
        [SIGNATURE_HEADER]: squareSignature(secrets.signature_key, targetUrl, body),
        'square-environment': 'Sandbox',
        'square-initial-delivery-timestamp': at,
        'square-retry-number': '0',
        'user-agent': 'Square Connect v2',
      },
    }
  }

  return {
    kind: 'square',
    secrets,
    settings: {},
    handle(req) {
      try {
        return route(req)
      } catch (error) {
        if (error instanceof BadRequest) return error.response
        throw error
      }
    },
    webhooks(events: readonly ScenarioEvent[], targetUrl: string): SignedWebhook[] {
      const out: SignedWebhook[] = []
      for (const e of events) {
        const rec = recordFor(e.payment)
        const paymentNow = () => renderPayment(rec, e.at, seed)
        switch (e.type) {
          case 'payment.created':
            out.push(event('payment.created', e.at, 'payment', paymentNow(), targetUrl, rec.id))
            break
          case 'payment.succeeded':
          case 'payment.failed':
            out.push(event('payment.updated', e.at, 'payment', paymentNow(), targetUrl, rec.id))
            break
          case 'refund.created': {
            if (!e.refund) break
            out.push(event('refund.created', e.at, 'refund', renderRefund(rec, e.refund), targetUrl, e.refund.key))
            // Square also announces the payment's new refunded_money.
            out.push(event('payment.updated', e.at, 'payment', paymentNow(), targetUrl, rec.id, e.refund.key))
            break
          }
          case 'dispute.opened':
          case 'dispute.closed': {
            const dispute = renderDispute(rec, e.at, seed)
            if (dispute) out.push(event(e.type === 'dispute.opened' ? 'dispute.created' : 'dispute.state.updated', e.at, 'dispute', dispute, targetUrl, String(dispute.id)))
            break
          }
        }
      }
      return out
    },
    externalId(object, key) {
      if (object === 'payment') return byKey.get(key)?.id ?? ids.payment(seed, key)
      if (object === 'dispute') return ids.dispute(seed, key)
      for (const rec of records) {
        const id = rec.refundIds.get(key)
        if (id) return id
      }
      throw new RangeError(`no scenario refund with key ${key}`)
    },
    declineFor: (reason) => DECLINES[reason],
    createdPayments: () => [...created],
  }
}
