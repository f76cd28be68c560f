import {formatGatewayDecimal} from '../../core/money.js'
import {AuthError, MoneyError} from '../../core/errors.js'
import {CircuitOpenError, TransportError} from '../http.js'
import type {CreatePaymentRequest, HttpResponse, PaymentOutcome} from '../types.js'
import {PaypalApiError, paypalDecision} from './classify.js'
import type {AuthorizedHttp} from './oauth.js'
import {ErrorBodySchema, OrderSchema} from './schema.js'
import {type TranslateContext, translateCapture} from './translate.js'
import {facts} from './facts.js'

/**
 * A merchant-initiated payment with a vaulted PayPal wallet (Orders v2): `POST /v2/checkout/orders` with
 * `intent: CAPTURE` and `payment_source.paypal.vault_id`, which PayPal creates and captures in one call
 * (status COMPLETED, the capture in purchase_units[0].payments.captures[0]). An order that comes back CREATED or
 * APPROVED is captured with `POST /v2/checkout/orders/{id}/capture`. `PayPal-Request-Id` is the caller's
 * idempotency key (the capture call uses `<key>:capture`), so a retry returns the first request's latest status.
 * Errors: the first `details[].issue` (else `name`) through classify.ts; 5xx, timeouts and resets are unknown
 * (DECLINES.md: check the buyer was not charged before retrying).
 */
export async function createPaypalPayment(api: AuthorizedHttp, ctx: TranslateContext, req: CreatePaymentRequest, signal?: AbortSignal): Promise<PaymentOutcome> {
  let value: string
  try {
    value = formatGatewayDecimal(req.amount, facts.wire)
  } catch (error) {
    if (error instanceof MoneyError) return {status: 'failed', externalId: null, failure: {code: 'INVALID_AMOUNT', message: error.message, decision: 'terminal'}, item: null}
    throw error
  }
  const invoiceId = req.metadata.invoice_id ?? req.metadata.invoice
  const body = {
    intent: 'CAPTURE',
    purchase_units: [{amount: {currency_code: req.amount.currency, value}, custom_id: req.customerRef, ...(invoiceId ? {invoice_id: invoiceId} : {})}],
    payment_source: {paypal: {vault_id: req.paymentMethodRef}},
  }
  const first = await post('/v2/checkout/orders', 'POST /v2/checkout/orders', JSON.stringify(body), req.idempotencyKey)
  if ('outcome' in first) return first.outcome
  let order = first.order
  if (order.status === 'CREATED' || order.status === 'APPROVED') {
    const captured = await post(`/v2/checkout/orders/${encodeURIComponent(order.id)}/capture`, 'POST /v2/checkout/orders/{id}/capture', '{}', `${req.idempotencyKey}:capture`, order.id)
    if ('outcome' in captured) return captured.outcome
    order = captured.order
  }
  const capture = order.purchase_units?.[0]?.payments?.captures?.[0]
  if (!capture) return {status: 'unknown', externalId: null, reason: `PayPal order ${order.id} is ${order.status} without a capture`}
  const translated = translateCapture(capture, ctx, order.payer?.payer_id ?? null)
  if (!translated.ok) return {status: 'unknown', externalId: capture.id, reason: `capture ${capture.id}: ${translated.item.detail}`}
  const txn = translated.item.txn
  if (txn.status === 'succeeded') return {status: 'succeeded', externalId: txn.externalId, item: translated.item}
  if (txn.status === 'pending') return {status: 'pending', externalId: txn.externalId, item: translated.item}
  return {status: 'failed', externalId: txn.externalId, failure: txn.failure ?? {code: 'DECLINED', message: 'capture declined', decision: 'terminal'}, item: translated.item}

  async function post(
    path: string,
    endpoint: string,
    payload: string,
    idempotencyKey: string,
    orderId: string | null = null,
  ): Promise<{order: ReturnType<typeof OrderSchema.parse>} | {outcome: PaymentOutcome}> {
    let res: HttpResponse
    try {
      res = await api.request(
        {method: 'POST', path, endpoint, idempotencyKey, body: payload, headers: {'content-type': 'application/json', accept: 'application/json', prefer: 'return=representation'}},
        signal,
      )
    } catch (error) {
      if (error instanceof AuthError) throw error
      if (error instanceof CircuitOpenError) {
        return {outcome: {status: 'failed', externalId: orderId, failure: {code: 'CIRCUIT_OPEN', message: error.message, decision: 'retry'}, item: null}}
      }
      if (error instanceof TransportError) return {outcome: {status: 'unknown', externalId: orderId, reason: `${endpoint}: ${error.message}`}}
      throw error
    }
    if (res.status === 401) throw new AuthError(`PayPal refused the access token on ${endpoint} even after a refresh`)
    let json: unknown
    try {
      json = res.json()
    } catch {
      return {outcome: {status: 'unknown', externalId: orderId, reason: `PayPal answered ${res.status} with a body that is not JSON`}}
    }
    if (res.status >= 200 && res.status < 300) {
      const parsed = OrderSchema.safeParse(json)
      if (!parsed.success) return {outcome: {status: 'unknown', externalId: orderId, reason: `PayPal answered ${res.status} with an order that does not parse`}}
      return {order: parsed.data}
    }
    const err = ErrorBodySchema.safeParse(json)
    const apiError = new PaypalApiError(res.status, endpoint, err.success ? err.data : null)
    if (res.status >= 500 || !err.success) return {outcome: {status: 'unknown', externalId: orderId, reason: apiError.message}}
    const code = apiError.code ?? String(res.status)
    const decision = res.status === 429 ? 'retry' : paypalDecision(code)
    if (decision === 'unknown') return {outcome: {status: 'unknown', externalId: orderId, reason: apiError.message}}
    const message = err.data.details?.[0]?.description ?? err.data.message ?? apiError.message
    return {outcome: {status: 'failed', externalId: orderId, failure: {code, message, decision}, item: null}}
  }
}
