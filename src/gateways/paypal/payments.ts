import type {z} from 'zod'

import {formatGatewayDecimal} from '../../core/money.js'
import type {Failure} from '../../core/transaction.js'
import {AuthError, MoneyError} from '../../core/errors.js'
import {CircuitOpenError, TransportError} from '../http.js'
import {outcomeOfPayment} from '../payment-outcome.js'
import type {CreatePaymentRequest, HttpResponse, PaymentOutcome} from '../types.js'
import type {PaypalApi} from './api.js'
import {PaypalApiError} from './api-error.js'
import {paypalFailure} from './classify.js'
import {ErrorBodySchema, OrderSchema} from './schema.js'
import {type TranslateContext, translateCapture} from './translate.js'
import {facts} from './facts.js'

/**
 * A merchant-initiated payment with a vaulted PayPal wallet (Orders v2): `POST /v2/checkout/orders` with
 * `intent: CAPTURE` and `payment_source.paypal.vault_id`, which PayPal creates and captures in one call
 * (status COMPLETED, the capture in purchase_units[0].payments.captures[0]). An order that comes back CREATED or
 * APPROVED is captured with `POST /v2/checkout/orders/{id}/capture`. `PayPal-Request-Id` is the caller's
 * idempotency key (the capture call uses `<key>:capture`), so a retry returns the first request's latest status
 * (docs/gateways.md#paypal-idempotency). Errors: the first `details[].issue` (else `name`) through classify.ts;
 * 5xx, timeouts and resets are unknown (docs/gateways.md#unknown-outcomes: check the buyer was not charged
 * before retrying).
 */
export async function createPaypalPayment(
  api: PaypalApi,
  ctx: TranslateContext,
  req: CreatePaymentRequest,
  signal?: AbortSignal,
): Promise<PaymentOutcome> {
  let value: string
  try {
    value = formatGatewayDecimal(req.amount, facts.wire)
  } catch (error) {
    if (error instanceof MoneyError)
      return {
        status: 'failed',
        externalId: null,
        failure: {
          code: 'INVALID_AMOUNT',
          message: error.message,
          decision: 'terminal',
          basis: 'table',
          origin: 'request',
        },
        item: null,
      }
    throw error
  }
  const first = await post(
    api,
    {
      path: '/v2/checkout/orders',
      endpoint: 'POST /v2/checkout/orders',
      body: orderBody(req, value),
      idempotencyKey: req.idempotencyKey,
      orderId: null,
    },
    signal,
  )
  if ('outcome' in first) return first.outcome
  let order = first.order
  if (order.status === 'CREATED' || order.status === 'APPROVED') {
    const captured = await post(
      api,
      {
        path: `/v2/checkout/orders/${encodeURIComponent(order.id)}/capture`,
        endpoint: 'POST /v2/checkout/orders/{id}/capture',
        body: '{}',
        idempotencyKey: `${req.idempotencyKey}:capture`,
        orderId: order.id,
      },
      signal,
    )
    if ('outcome' in captured) return captured.outcome
    order = captured.order
  }
  return outcomeOfOrder(order, ctx)
}

type Order = z.infer<typeof OrderSchema>

function orderBody(req: CreatePaymentRequest, value: string): string {
  const invoiceId = req.metadata.invoice_id ?? req.metadata.invoice
  return JSON.stringify({
    intent: 'CAPTURE',
    purchase_units: [
      {
        amount: {currency_code: req.amount.currency, value},
        custom_id: req.customerRef,
        ...(invoiceId ? {invoice_id: invoiceId} : {}),
      },
    ],
    payment_source: {paypal: {vault_id: req.paymentMethodRef}},
  })
}

/** A capture that ended declined, voided or canceled without a reason: PayPal's own refusal, never retried. */
const DECLINED: Failure = {
  code: 'DECLINED',
  message: 'capture declined',
  decision: 'terminal',
  basis: 'table',
  origin: 'decline',
  network: 'none',
}

function outcomeOfOrder(order: Order, ctx: TranslateContext): PaymentOutcome {
  const capture = order.purchase_units?.[0]?.payments?.captures?.[0]
  if (!capture)
    return {
      status: 'unknown',
      externalId: null,
      reason: `PayPal order ${order.id} is ${order.status} without a capture`,
    }
  const translated = translateCapture(capture, ctx, order.payer?.payer_id ?? null)
  if (!translated.ok)
    return {status: 'unknown', externalId: capture.id, reason: `capture ${capture.id}: ${translated.item.detail}`}
  return outcomeOfPayment(translated.item, {whenUnexplained: DECLINED, whenCanceled: DECLINED})
}

interface OrderCall {
  path: string
  endpoint: string
  body: string
  idempotencyKey: string
  /** The order the call is about, once one exists: the outcome names it when nothing better is known. */
  orderId: string | null
}

/** One Orders v2 POST: the order PayPal answered with, or the outcome that ends the payment here. */
async function post(
  api: PaypalApi,
  call: OrderCall,
  signal?: AbortSignal,
): Promise<{order: Order} | {outcome: PaymentOutcome}> {
  let res: HttpResponse
  try {
    res = await api.post(call.path, call.body, {endpoint: call.endpoint, idempotencyKey: call.idempotencyKey}, signal)
  } catch (error) {
    if (error instanceof AuthError) throw error
    if (error instanceof CircuitOpenError) {
      return {
        outcome: {
          status: 'failed',
          externalId: call.orderId,
          failure: {code: 'CIRCUIT_OPEN', message: error.message, decision: 'retry', basis: 'table', origin: 'request'},
          item: null,
        },
      }
    }
    if (error instanceof TransportError)
      return {outcome: {status: 'unknown', externalId: call.orderId, reason: `${call.endpoint}: ${error.message}`}}
    throw error
  }
  if (res.status === 401)
    throw new AuthError(`PayPal refused the access token on ${call.endpoint} even after a refresh`)
  let json: unknown
  try {
    json = res.json()
  } catch {
    return {
      outcome: {
        status: 'unknown',
        externalId: call.orderId,
        reason: `PayPal answered ${res.status} with a body that is not JSON`,
      },
    }
  }
  if (res.status >= 200 && res.status < 300) {
    const parsed = OrderSchema.safeParse(json)
    if (!parsed.success)
      return {
        outcome: {
          status: 'unknown',
          externalId: call.orderId,
          reason: `PayPal answered ${res.status} with an order that does not parse`,
        },
      }
    return {order: parsed.data}
  }
  return {outcome: refusal(res.status, json, call)}
}

/** A non-2xx answer to an Orders v2 POST: a decline (terminal), a retry, or unknown for 5xx and unreadable errors. */
function refusal(status: number, json: unknown, call: OrderCall): PaymentOutcome {
  const err = ErrorBodySchema.safeParse(json)
  const apiError = new PaypalApiError(status, call.endpoint, err.success ? err.data : null)
  if (status >= 500 || !err.success) return {status: 'unknown', externalId: call.orderId, reason: apiError.message}
  const code = apiError.code ?? String(status)
  const message = err.data.details?.[0]?.description ?? err.data.message ?? apiError.message
  const failure =
    status === 429
      ? {code, message, decision: 'retry' as const, basis: 'table' as const, origin: 'request' as const}
      : paypalFailure(code, message, {network: 'none'})
  if (failure.decision === 'unknown') return {status: 'unknown', externalId: call.orderId, reason: apiError.message}
  return {status: 'failed', externalId: call.orderId, failure, item: null}
}
