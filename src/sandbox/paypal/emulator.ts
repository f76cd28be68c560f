import {generateKeyPairSync, type KeyObject, randomUUID} from 'node:crypto'

import {isSupportedCurrency} from '../../core/currency.js'
import {parseGatewayDecimal} from '../../core/money.js'
import type {Decision} from '../../core/transaction.js'
import {MoneyError} from '../../core/errors.js'
import type {EmulatorOptions, EmulatorRequest, EmulatorResponse, GatewayEmulator, SignedWebhook} from '../emulator.js'
import {sandboxFee} from '../fees.js'
import {DECLINE_REASONS, type DeclineReason, paymentsFor, type ScenarioEvent, type ScenarioPayment} from '../model.js'
import {customersById, derive, paypalIds, renderCapture, renderDispute, renderRefund, type ReportRow, rowsFor} from './world.js'
import {AUTH_ALGO, HEADERS, publicKeyFromPem, signedMessage, signMessage, verifyMessage} from '../../gateways/paypal/signature.js'
import {paypalTimeToIso} from '../../gateways/paypal/time.js'
import {facts} from '../../gateways/paypal/facts.js'

/**
 * PayPal emulator: `POST /v1/oauth2/token` (Basic client credentials; tokens expire by the clock),
 * `GET /v1/reporting/transactions` (31-day maximum range, page/page_size, T0006/T1107/T1201/T1202 rows),
 * `GET /v1/customer/disputes[/{id}]` (update_time filters, next_page_token links), `POST /v2/checkout/orders`
 * (+ `/{id}/capture`) with PayPal-Request-Id replay, `POST /v1/notifications/verify-webhook-signature`, and
 * `GET /v1/notifications/certs/{cert}` serving the webhook verification key. Errors are `{name, message,
 * debug_id, details[]}`; OAuth errors `{error, error_description}`.
 *
 * The certificate endpoint serves a PUBLIC KEY PEM, not an X.509 certificate: node:crypto cannot mint
 * certificates, and the adapter's offline verifier accepts either (signature.ts publicKeyFromPem).
 * The webhook PAYPAL-CERT-URL is absolute when the emulator knows its base URL (`baseUrl` option, or learned
 * from the Host header of any request it has served), else the path alone, which the adapter never fetches.
 *
 * Orders with `payment_source.paypal.vault_id`: a scenario customer's vaulted wallet succeeds (payer = that
 * customer); `decline-<reason>` (a scenario decline reason) fails with declineFor's code; anything else is
 * RESOURCE_NOT_FOUND. An order without a payment source stays CREATED and its capture fails ORDER_NOT_APPROVED.
 */
export interface PaypalEmulatorOptions extends EmulatorOptions {
  /** Rows show up in the transaction search this long after their date (PayPal: up to 3 h). Default 0. */
  lateMs?: number
  baseUrl?: string
}

export interface PaypalEmulator extends GatewayEmulator {
  /** Payments made through POST /v2/checkout/orders, as scenario payments: pass scenarioEvents() of them to webhooks(). */
  createdPayments(): ScenarioPayment[]
  /** Invalidates every issued access token (the next API call gets 401 invalid_token). */
  expireTokens(): void
  /** Token requests served (successful ones). */
  tokensIssued(): number
  certPath: string
  publicKeyPem: string
}

/**
 * PayPal reports no retryable instrument decline: "the payer must choose another funding source". So every
 * neutral reason maps to a terminal code (DECLINES.md PayPal table); the search API's status D carries no reason
 * at all, which is why the adapter reads a D row as PAYMENT_DENIED, also terminal.
 */
const DECLINES: Record<DeclineReason, {code: string; decision: Decision}> = {
  insufficient_funds: {code: 'INSTRUMENT_DECLINED', decision: 'terminal'},
  generic: {code: 'TRANSACTION_REFUSED', decision: 'terminal'},
  issuer_unavailable: {code: 'TRANSACTION_REFUSED', decision: 'terminal'},
  expired_card: {code: 'CARD_EXPIRED', decision: 'terminal'},
  stolen_card: {code: 'PAYMENT_DENIED', decision: 'terminal'},
}

const TOKEN_LIFETIME_S = 32_400
const MAX_RANGE_MS = 31 * 86_400_000
const RFC3339 = /^[0-9]{4}-(0[1-9]|1[0-2])-(0[1-9]|[1-2][0-9]|3[0-1])[Tt]([0-1][0-9]|2[0-3]):[0-5][0-9]:([0-5][0-9]|60)([.][0-9]+)?([Zz]|[+-][0-9]{2}:[0-9]{2})$/

function json(status: number, body: unknown, headers: Record<string, string> = {}): EmulatorResponse {
  return {status, headers: {'content-type': 'application/json', ...headers}, body: JSON.stringify(body)}
}

interface Detail {
  field?: string
  value?: string
  location?: string
  issue: string
  description?: string
}
function ppError(status: number, name: string, message: string, details: Detail[] = []): EmulatorResponse {
  const debugId = randomUUID().replaceAll('-', '').slice(0, 13)
  return json(status, {name, message, debug_id: debugId, ...(details.length > 0 ? {details} : {}), links: [{href: `https://developer.paypal.com/api/rest/reference/orders/v2/errors/#${name}`, rel: 'information_link'}]})
}
const invalidRequest = (...details: Detail[]) => ppError(400, 'INVALID_REQUEST', 'Request is not well-formed, syntactically incorrect, or violates schema.', details)
const unprocessable = (...details: Detail[]) => ppError(422, 'UNPROCESSABLE_ENTITY', 'The requested action could not be performed, semantically incorrect, or failed business validation.', details)
const notFound = (issue = 'INVALID_RESOURCE_ID') => ppError(404, 'RESOURCE_NOT_FOUND', 'The specified resource does not exist.', [{issue, description: 'Specified resource ID does not exist. Please check the resource ID and try again.'}])

export function createPaypalEmulator(opts: PaypalEmulatorOptions): PaypalEmulator {
  const {scenario, clock} = opts
  const seed = scenario.seed
  const ids = paypalIds(seed)
  const customers = customersById(scenario)
  const byVault = new Map(scenario.customers.map((c) => [c.paymentMethods.paypal, c]))
  const lateMs = opts.lateMs ?? 0
  const secrets = {client_id: `A${derive(seed, 'client-id', 79, 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789_-')}`, client_secret: `E${derive(seed, 'client-secret', 79, 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789_-')}`}
  const settings = {webhook_id: derive(seed, 'webhook-id', 17)}
  const certPath = `/v1/notifications/certs/CERT-360caa42-fca2a594-${derive(seed, 'cert', 8, '0123456789abcdef')}`
  const {privateKey, publicKey} = generateKeyPairSync('rsa', {modulusLength: 2048})
  const publicKeyPem = publicKey.export({type: 'spki', format: 'pem'}).toString()
  let baseUrl: string | null = opts.baseUrl?.replace(/\/$/, '') ?? null

  const payments = paymentsFor(scenario, 'paypal', opts.share)
  const paymentById = new Map<string, ScenarioPayment>()
  const disputeIds = new Map<string, ScenarioPayment>()
  const rows: ReportRow[] = []
  const addPayment = (p: ScenarioPayment): void => {
    paymentById.set(ids.payment(p.key), p)
    if (p.dispute) disputeIds.set(ids.dispute(p.dispute.key), p)
    rows.push(...rowsFor(p, customers.get(p.customer), ids))
  }
  for (const p of payments) addPayment(p)
  const sortRows = (): void => void rows.sort((a, b) => (a.date < b.date ? -1 : a.date > b.date ? 1 : a.id < b.id ? -1 : 1))
  sortRows()
  const disputed = payments.filter((p) => p.dispute !== null)

  const tokens = new Map<string, number>() // token -> expiry (epoch ms)
  let issued = 0
  const created: ScenarioPayment[] = []
  const orders = new Map<string, {status: string; body: Record<string, unknown>}>()
  const replays = new Map<string, EmulatorResponse>() // PayPal-Request-Id -> first response

  const nowIso = (): string => new Date(clock.now()).toISOString()
  const base = (req?: EmulatorRequest): string => {
    if (req?.headers.host && baseUrl === null) baseUrl = `http://${req.headers.host}`
    return baseUrl ?? ''
  }

  function token(req: EmulatorRequest): EmulatorResponse {
    const m = /^Basic\s+(.+)$/i.exec(req.headers.authorization ?? '')
    const [id, secret] = m ? Buffer.from(m[1]!, 'base64').toString('utf8').split(':') : []
    if (id !== secrets.client_id || secret !== secrets.client_secret) return json(401, {error: 'invalid_client', error_description: 'Client Authentication failed'})
    const form = new URLSearchParams(req.rawBody.toString('utf8'))
    if (form.get('grant_type') !== 'client_credentials') return json(400, {error: 'unsupported_grant_type', error_description: 'Grant Type is NULL'})
    const accessToken = `A21AA${derive(seed, `token:${issued}:${clock.now()}`, 60, 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789_-')}`
    tokens.set(accessToken, clock.now() + TOKEN_LIFETIME_S * 1000)
    issued++
    return json(200, {
      scope: 'https://uri.paypal.com/services/reporting/search/read https://uri.paypal.com/services/disputes/read-seller https://uri.paypal.com/services/payments/payment',
      access_token: accessToken,
      token_type: 'Bearer',
      app_id: `APP-${derive(seed, 'app', 17)}`,
      expires_in: TOKEN_LIFETIME_S,
      nonce: `${nowIso().slice(0, 19)}Z${derive(seed, `nonce:${issued}`, 43)}`,
    })
  }

  function authorized(req: EmulatorRequest): boolean {
    const m = /^Bearer\s+(\S+)$/i.exec(req.headers.authorization ?? '')
    const expiry = m ? tokens.get(m[1]!) : undefined
    return expiry !== undefined && clock.now() < expiry
  }

  function transactions(req: EmulatorRequest): EmulatorResponse {
    const q = req.query
    const start = q.get('start_date')
    const end = q.get('end_date')
    for (const [field, value] of [['start_date', start], ['end_date', end]] as const) {
      if (value === null) return invalidRequest({field, location: 'query', issue: 'MISSING_REQUIRED_PARAMETER', description: `${field} is required`})
      if (!RFC3339.test(value)) return invalidRequest({field, value, location: 'query', issue: 'INVALID_PARAMETER_SYNTAX', description: `${field} must be an RFC 3339 date-time with seconds`})
    }
    const startMs = Date.parse(start!)
    const endMs = Date.parse(end!)
    // ⚠ PayPal's exact issue code for the range rule is not documented; the description is its wording.
    if (endMs < startMs) return invalidRequest({field: 'end_date', value: end!, location: 'query', issue: 'INVALID_DATE_RANGE', description: 'end_date must not be before start_date'})
    if (endMs - startMs > MAX_RANGE_MS) return invalidRequest({field: 'start_date', value: start!, location: 'query', issue: 'INVALID_DATE_RANGE', description: 'Date range is greater than 31 days'})
    const pageSize = Number(q.get('page_size') ?? '100')
    const page = Number(q.get('page') ?? '1')
    if (!Number.isInteger(pageSize) || pageSize < 1 || pageSize > 500) return invalidRequest({field: 'page_size', value: String(q.get('page_size')), location: 'query', issue: 'INVALID_PARAMETER_VALUE', description: 'page_size must be 1 to 500'})
    if (!Number.isInteger(page) || page < 1) return invalidRequest({field: 'page', value: String(q.get('page')), location: 'query', issue: 'INVALID_PARAMETER_VALUE', description: 'page must be at least 1'})
    const fields = (q.get('fields') ?? 'transaction_info').split(',')
    const withPayer = fields.includes('all') || fields.includes('payer_info')
    const balanceOnly = (q.get('balance_affecting_records_only') ?? 'Y') !== 'N'
    const now = clock.now()
    const at = new Date(now).toISOString()
    const fromIso = new Date(startMs).toISOString()
    const toIso = new Date(endMs).toISOString()
    const matching = rows.filter((r) => r.date >= fromIso && r.date <= toIso && Date.parse(r.date) + lateMs <= now && !(balanceOnly && r.denied(at)))
    const totalPages = Math.ceil(matching.length / pageSize)
    const items = matching.slice((page - 1) * pageSize, page * pageSize).map((r) => {
      const rendered = r.render(at)
      return withPayer ? rendered : {transaction_info: rendered.transaction_info}
    })
    if (req.headers['x-sandbox-fault'] === 'duplicate' && items[0]) items.push(items[0])
    const self = `${base(req)}/v1/reporting/transactions?${q.toString()}`
    return json(200, {
      transaction_details: items,
      account_number: derive(seed, 'account', 13),
      start_date: `${start!.slice(0, 19)}+0000`,
      end_date: `${end!.slice(0, 19)}+0000`,
      last_refreshed_datetime: `${new Date(now - lateMs).toISOString().slice(0, 19)}+0000`,
      page,
      total_items: matching.length,
      total_pages: totalPages,
      links: [{href: self, rel: 'self', method: 'GET'}],
    })
  }

  function disputeList(req: EmulatorRequest): EmulatorResponse {
    const q = req.query
    const pageSize = Number(q.get('page_size') ?? '10')
    if (!Number.isInteger(pageSize) || pageSize < 1 || pageSize > 50) return invalidRequest({field: 'page_size', value: String(q.get('page_size')), location: 'query', issue: 'INVALID_PARAMETER_VALUE', description: 'page_size must be 1 to 50'})
    let after = q.get('update_time_after')
    let offset = 0
    const token = q.get('next_page_token')
    if (token) {
      try {
        const decoded = JSON.parse(Buffer.from(token, 'base64url').toString('utf8')) as {after: string | null; offset: number}
        after = decoded.after
        offset = decoded.offset
      } catch {
        return invalidRequest({field: 'next_page_token', value: token, location: 'query', issue: 'INVALID_PARAMETER_VALUE'})
      }
    }
    if (after !== null && paypalTimeToIso(after) === null) return invalidRequest({field: 'update_time_after', value: after, location: 'query', issue: 'INVALID_PARAMETER_SYNTAX'})
    const afterIso = after === null ? null : paypalTimeToIso(after)!
    const at = nowIso()
    const all = disputed
      .concat(created.filter((p) => p.dispute))
      .map((p) => renderDispute(p, customers.get(p.customer), ids, at, base(req), false))
      .filter((d): d is Record<string, unknown> => d !== null && (afterIso === null || (d.update_time as string) > afterIso))
      .sort((a, b) => ((a.update_time as string) < (b.update_time as string) ? -1 : (a.update_time as string) > (b.update_time as string) ? 1 : 0))
    const items = all.slice(offset, offset + pageSize)
    if (req.headers['x-sandbox-fault'] === 'duplicate' && items[0]) items.push(items[0])
    const links = [{href: `${base(req)}/v1/customer/disputes?${q.toString()}`, rel: 'self', method: 'GET'}]
    if (offset + pageSize < all.length) {
      const next = Buffer.from(JSON.stringify({after, offset: offset + pageSize})).toString('base64url')
      links.push({href: `${base(req)}/v1/customer/disputes?page_size=${pageSize}&next_page_token=${next}`, rel: 'next', method: 'GET'})
    }
    return json(200, {items, links})
  }

  function disputeDetail(req: EmulatorRequest, id: string): EmulatorResponse {
    const p = disputeIds.get(id)
    const rendered = p ? renderDispute(p, customers.get(p.customer), ids, nowIso(), base(req), true) : null
    return rendered ? json(200, rendered) : notFound()
  }

  function createOrder(req: EmulatorRequest): EmulatorResponse {
    let body: {intent?: unknown; purchase_units?: {amount?: {currency_code?: unknown; value?: unknown}; invoice_id?: unknown; custom_id?: unknown}[]; payment_source?: {paypal?: {vault_id?: unknown}}}
    try {
      body = JSON.parse(req.rawBody.toString('utf8'))
    } catch {
      return invalidRequest({issue: 'MALFORMED_REQUEST_JSON', location: 'body', description: 'The request JSON is not well formed.'})
    }
    if (body.intent !== 'CAPTURE' && body.intent !== 'AUTHORIZE') return invalidRequest({field: '/intent', location: 'body', issue: 'INVALID_PARAMETER_VALUE', value: String(body.intent)})
    const unit = body.purchase_units?.[0]
    const currency = unit?.amount?.currency_code
    const value = unit?.amount?.value
    if (typeof currency !== 'string' || typeof value !== 'string') return invalidRequest({field: '/purchase_units/@reference_id==\'default\'/amount', location: 'body', issue: 'MISSING_REQUIRED_PARAMETER'})
    if (!isSupportedCurrency(currency)) return unprocessable({field: '/purchase_units/@reference_id==\'default\'/amount/currency_code', value: currency, location: 'body', issue: 'CURRENCY_NOT_SUPPORTED'})
    let amount
    try {
      amount = parseGatewayDecimal(value, currency, facts.wire)
    } catch (error) {
      if (!(error instanceof MoneyError)) throw error
      return unprocessable({field: '/purchase_units/@reference_id==\'default\'/amount/value', value, location: 'body', issue: 'DECIMALS_NOT_SUPPORTED', description: 'Currency code does not support decimals.'})
    }
    if (amount.minor <= 0) return unprocessable({field: '/purchase_units/@reference_id==\'default\'/amount/value', value, location: 'body', issue: 'CANNOT_BE_ZERO_OR_NEGATIVE'})
    const n = created.length + orders.size + 1
    const orderId = ids.order(`created:${n}`)
    const vault = body.payment_source?.paypal?.vault_id
    if (vault === undefined) {
      const order = {id: orderId, status: 'CREATED', intent: body.intent, purchase_units: body.purchase_units, create_time: nowIso(), links: [{href: `${base(req)}/checkoutnow?token=${orderId}`, rel: 'payer-action', method: 'GET'}]}
      orders.set(orderId, {status: 'CREATED', body: order})
      return json(201, order)
    }
    if (typeof vault !== 'string') return invalidRequest({field: '/payment_source/paypal/vault_id', location: 'body', issue: 'INVALID_PARAMETER_SYNTAX'})
    const declined = /^decline-(.+)$/.exec(vault)
    if (declined) {
      const reason = declined[1] as DeclineReason
      if (!(DECLINE_REASONS as readonly string[]).includes(reason)) return notFound()
      return unprocessable({issue: DECLINES[reason].code, description: `The instrument presented was declined (${reason}).`})
    }
    const customer = byVault.get(vault)
    if (!customer) return notFound()
    const at = nowIso()
    let fee = {minor: 0, currency: amount.currency}
    try {
      fee = {minor: sandboxFee(amount.minor, amount.currency), currency: amount.currency}
    } catch {
      // Currencies outside the sandbox's fee profiles are charged no fee.
    }
    const payment: ScenarioPayment = {
      key: `o${String(n).padStart(6, '0')}`,
      gateway: 'paypal',
      customer: customer.id,
      invoice: typeof unit?.invoice_id === 'string' ? unit.invoice_id : null,
      amount,
      fee,
      createdAt: at,
      settledAt: null,
      outcome: 'succeeded',
      decline: null,
      refunds: [],
      dispute: null,
    }
    created.push(payment)
    addPayment(payment)
    sortRows()
    const capture = renderCapture(payment, ids, at, base(req))
    return json(201, {
      id: ids.order(payment.key),
      status: 'COMPLETED',
      intent: body.intent,
      payment_source: {paypal: {email_address: customer.email, account_id: customer.refs.paypal, account_status: 'VERIFIED'}},
      payer: {payer_id: customer.refs.paypal, email_address: customer.email, name: {given_name: customer.name.split(' ')[0], surname: customer.name.split(' ').slice(1).join(' ')}},
      purchase_units: [{reference_id: 'default', amount: unit!.amount, payments: {captures: [capture]}}],
      create_time: at,
      update_time: at,
      links: [{href: `${base(req)}/v2/checkout/orders/${ids.order(payment.key)}`, rel: 'self', method: 'GET'}],
    })
  }

  function capture(id: string): EmulatorResponse {
    const order = orders.get(id)
    if (!order) return notFound()
    return unprocessable({issue: 'ORDER_NOT_APPROVED', description: 'Payer has not yet approved the Order for payment.'})
  }

  function verify(req: EmulatorRequest): EmulatorResponse {
    let body: Record<string, unknown>
    try {
      body = JSON.parse(req.rawBody.toString('utf8'))
    } catch {
      return invalidRequest({issue: 'MALFORMED_REQUEST_JSON', location: 'body'})
    }
    for (const field of ['auth_algo', 'cert_url', 'transmission_id', 'transmission_sig', 'transmission_time', 'webhook_id', 'webhook_event']) {
      if (body[field] === undefined || body[field] === null) return ppError(400, 'VALIDATION_ERROR', 'Invalid request - see details', [{field, location: 'body', issue: 'MISSING_REQUIRED_PARAMETER'}])
    }
    const ok =
      body.auth_algo === AUTH_ALGO &&
      body.webhook_id === settings.webhook_id &&
      typeof body.cert_url === 'string' &&
      body.cert_url.endsWith(certPath) &&
      verifyMessage(signedMessage(String(body.transmission_id), String(body.transmission_time), settings.webhook_id, JSON.stringify(body.webhook_event)), String(body.transmission_sig), publicKey)
    return json(200, {verification_status: ok ? 'SUCCESS' : 'FAILURE'})
  }

  /** A repeated PayPal-Request-Id gets the first request's response (server errors are not kept: they settled nothing). */
  function replayable(req: EmulatorRequest, run: () => EmulatorResponse): EmulatorResponse {
    const key = req.headers['paypal-request-id']
    if (!key) return run()
    const scoped = `${req.path}:${key}`
    const seen = replays.get(scoped)
    if (seen) return seen
    const response = run()
    if (response.status < 500) replays.set(scoped, response)
    return response
  }

  async function route(req: EmulatorRequest): Promise<EmulatorResponse> {
    if (req.method === 'POST' && req.path === '/v1/oauth2/token') return token(req)
    if (req.method === 'GET' && req.path === certPath) return {status: 200, headers: {'content-type': 'application/x-pem-file'}, body: publicKeyPem}
    if (!authorized(req)) return json(401, {error: 'invalid_token', error_description: 'Token signature verification failed'})
    if (req.method === 'GET' && req.path === '/v1/reporting/transactions') return transactions(req)
    if (req.method === 'GET' && req.path === '/v1/customer/disputes') return disputeList(req)
    const dispute = /^\/v1\/customer\/disputes\/([^/]+)$/.exec(req.path)
    if (req.method === 'GET' && dispute) return disputeDetail(req, decodeURIComponent(dispute[1]!))
    if (req.method === 'POST' && req.path === '/v1/notifications/verify-webhook-signature') return verify(req)
    if (req.method === 'POST' && req.path === '/v2/checkout/orders') return replayable(req, () => createOrder(req))
    const cap = /^\/v2\/checkout\/orders\/([^/]+)\/capture$/.exec(req.path)
    if (req.method === 'POST' && cap) return replayable(req, () => capture(decodeURIComponent(cap[1]!)))
    return notFound('INVALID_RESOURCE_ID')
  }

  const EVENT: Record<ScenarioEvent['type'], (e: ScenarioEvent) => {type: string; resourceType: string; resource: Record<string, unknown>; label: string}> = {
    'payment.created': (e) => {
      const c = renderCapture(e.payment, ids, e.at, base())
      const type = c.status === 'PENDING' ? 'PAYMENT.CAPTURE.PENDING' : c.status === 'DECLINED' ? 'PAYMENT.CAPTURE.DENIED' : 'PAYMENT.CAPTURE.COMPLETED'
      return {type, resourceType: 'capture', resource: c, label: `${e.payment.key}:created`}
    },
    'payment.succeeded': (e) => ({type: 'PAYMENT.CAPTURE.COMPLETED', resourceType: 'capture', resource: renderCapture(e.payment, ids, e.at, base()), label: `${e.payment.key}:succeeded`}),
    'payment.failed': (e) => ({type: 'PAYMENT.CAPTURE.DENIED', resourceType: 'capture', resource: renderCapture(e.payment, ids, e.at, base()), label: `${e.payment.key}:failed`}),
    'refund.created': (e) => ({type: 'PAYMENT.CAPTURE.REFUNDED', resourceType: 'refund', resource: renderRefund(e.payment, e.refund!.key, ids, base()), label: `${e.refund!.key}:refunded`}),
    'dispute.opened': (e) => ({type: 'CUSTOMER.DISPUTE.CREATED', resourceType: 'dispute', resource: renderDispute(e.payment, customers.get(e.payment.customer), ids, e.at, base(), true)!, label: `${e.payment.dispute!.key}:created`}),
    'dispute.closed': (e) => ({type: 'CUSTOMER.DISPUTE.RESOLVED', resourceType: 'dispute', resource: renderDispute(e.payment, customers.get(e.payment.customer), ids, e.at, base(), true)!, label: `${e.payment.dispute!.key}:resolved`}),
  }

  return {
    kind: 'paypal',
    secrets,
    settings,
    certPath,
    publicKeyPem,
    handle: route,
    webhooks(events): SignedWebhook[] {
      return events.map((e) => {
        const {type, resourceType, resource, label} = EVENT[e.type](e)
        const id = ids.event(label)
        const body = JSON.stringify({
          id,
          event_version: '1.0',
          create_time: e.at,
          resource_type: resourceType,
          resource_version: '2.0',
          event_type: type,
          summary: `${type} for ${String(resource.id ?? resource.dispute_id)}`,
          resource,
          links: [
            {href: `${base()}/v1/notifications/webhooks-events/${id}`, rel: 'self', method: 'GET'},
            {href: `${base()}/v1/notifications/webhooks-events/${id}/resend`, rel: 'resend', method: 'POST'},
          ],
        })
        const transmissionId = randomUUID()
        const transmissionTime = new Date(clock.now()).toISOString().replace(/\.\d{3}Z$/, 'Z')
        return {
          at: e.at,
          dedupId: id,
          body,
          headers: {
            'content-type': 'application/json',
            [HEADERS.algo]: AUTH_ALGO,
            [HEADERS.certUrl]: `${base()}${certPath}`,
            [HEADERS.id]: transmissionId,
            [HEADERS.time]: transmissionTime,
            [HEADERS.sig]: signMessage(signedMessage(transmissionId, transmissionTime, settings.webhook_id, body), privateKey as KeyObject),
          },
        }
      })
    },
    externalId(object, key) {
      return object === 'payment' ? ids.payment(key) : object === 'refund' ? ids.refund(key) : ids.dispute(key)
    },
    declineFor: (reason) => DECLINES[reason],
    createdPayments: () => [...created],
    expireTokens: () => tokens.clear(),
    tokensIssued: () => issued,
  }
}

/** For tests: the emulator's key as the adapter's offline verifier would load it. */
export const emulatorKey = (emulator: PaypalEmulator): KeyObject => publicKeyFromPem(emulator.publicKeyPem)
