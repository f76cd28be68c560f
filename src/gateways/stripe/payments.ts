import {toGatewayMinor} from '../../core/money.js'
import type {Failure} from '../../core/transaction.js'
import {AuthError} from '../../core/errors.js'
import {CircuitOpenError, TransportError} from '../http.js'
import type {CreatePaymentRequest, PaymentOutcome} from '../types.js'
import type {StripeApi} from './api.js'
import {toApiError} from './api.js'
import {StripeApiError} from './api-error.js'
import {classifyStripeError, declineFailure} from './classify.js'
import {PaymentIntentSchema} from './schema.js'
import {translateCharge} from './translate.js'
import {facts} from './facts.js'

/**
 * An off-session charge of a stored card: `POST /v1/payment_intents` with confirm=true. The PaymentIntent's charge
 * is the payment (expanded with its balance transaction, so the outcome carries the normalized charge and fee).
 */
function paymentIntentForm(req: CreatePaymentRequest): URLSearchParams {
  const form = new URLSearchParams()
  form.set('amount', String(toGatewayMinor(req.amount, facts.wire)))
  form.set('currency', req.amount.currency.toLowerCase())
  form.set('customer', req.customerRef)
  form.set('payment_method', req.paymentMethodRef)
  form.set('off_session', 'true')
  form.set('confirm', 'true')
  for (const [key, value] of Object.entries(req.metadata)) form.set(`metadata[${key}]`, value)
  form.append('expand[]', 'latest_charge.balance_transaction')
  return form
}

export async function createStripePayment(
  api: StripeApi,
  provider: string,
  req: CreatePaymentRequest,
  signal?: AbortSignal,
): Promise<PaymentOutcome> {
  const form = paymentIntentForm(req)
  let res
  try {
    res = await api.post(
      '/v1/payment_intents',
      form,
      {endpoint: 'POST /v1/payment_intents', idempotencyKey: req.idempotencyKey},
      signal,
    )
  } catch (error) {
    if (error instanceof CircuitOpenError) {
      return {
        status: 'failed',
        externalId: null,
        failure: {code: 'circuit_open', message: error.message, decision: 'retry', basis: 'table', origin: 'request'},
        item: null,
      }
    }
    if (error instanceof TransportError) return {status: 'unknown', externalId: null, reason: error.message}
    throw error
  }
  if (res.status >= 200 && res.status < 300) return fromPaymentIntent(res.json(), provider)
  const error = toApiError(res, 'POST /v1/payment_intents')
  if (error instanceof AuthError) throw error
  const apiError = error as StripeApiError
  const decision = classifyStripeError(apiError)
  if (decision === 'unknown') return {status: 'unknown', externalId: chargeOf(res.json), reason: apiError.message}
  return {status: 'failed', externalId: chargeOf(res.json), failure: failureOf(apiError), item: null}
}

/**
 * A card_error (or anything with a decline code) is a decline, with Stripe's advice and the network's codes; any
 * other error is a failed request (throttled, invalid, a bug), decided by its code and status.
 */
function failureOf(e: StripeApiError): Failure {
  if (e.type === 'card_error' || e.declineCode) {
    return declineFailure({
      code: e.declineCode ?? e.code ?? 'card_declined',
      message: e.message,
      advice: e.adviceCode,
      networkCode: e.networkDeclineCode,
      networkAdvice: e.networkAdviceCode,
      brand: e.cardBrand,
    })
  }
  return {
    code: e.code ?? e.type ?? `http_${e.status}`,
    message: e.message,
    decision: classifyStripeError(e),
    basis: 'table',
    origin: 'request',
  }
}

function chargeOf(json: () => unknown): string | null {
  try {
    const body = json() as {error?: {charge?: unknown}}
    return typeof body.error?.charge === 'string' ? body.error.charge : null
  } catch {
    return null
  }
}

function fromPaymentIntent(body: unknown, provider: string): PaymentOutcome {
  const parsed = PaymentIntentSchema.safeParse(body)
  if (!parsed.success)
    return {
      status: 'unknown',
      externalId: null,
      reason: 'Stripe answered 2xx with something that is not a PaymentIntent',
    }
  const intent = parsed.data
  const latest = intent.latest_charge
  const translated = typeof latest === 'object' && latest !== null ? translateCharge(latest, {provider}) : null
  const item = translated?.ok ? translated.item : null
  const chargeId = typeof latest === 'string' ? latest : typeof latest?.id === 'string' ? latest.id : null
  switch (intent.status) {
    case 'succeeded':
      return chargeId
        ? {status: 'succeeded', externalId: chargeId, item}
        : {status: 'unknown', externalId: null, reason: 'succeeded without a charge'}
    case 'processing':
      return chargeId
        ? {status: 'pending', externalId: chargeId, item}
        : {status: 'unknown', externalId: null, reason: 'processing without a charge yet'}
    case 'requires_action':
      // Off-session the customer is not there to authenticate (docs/gateways.md#stripe-declines: authentication_required is terminal).
      return {
        status: 'failed',
        externalId: chargeId,
        failure: declineFailure({code: 'authentication_required', message: 'the card requires authentication'}),
        item,
      }
    case 'requires_payment_method':
    case 'canceled': {
      const err = intent.last_payment_error ?? {}
      const code = String(err.decline_code ?? err.code ?? intent.status)
      const text = (value: unknown): string | null => (typeof value === 'string' ? value : null)
      const card = (err.payment_method as {card?: {brand?: unknown}} | null | undefined)?.card
      const apiError = new StripeApiError(String(err.message ?? code), {
        status: 402,
        type: text(err.type) ?? 'card_error',
        code: text(err.code) ?? code,
        declineCode: text(err.decline_code),
        adviceCode: text(err.advice_code),
        networkDeclineCode: text(err.network_decline_code),
        networkAdviceCode: text(err.network_advice_code),
        cardBrand: text(card?.brand),
      })
      return {status: 'failed', externalId: chargeId, failure: failureOf(apiError), item}
    }
    default:
      return {status: 'unknown', externalId: chargeId, reason: `PaymentIntent ${intent.id} is ${intent.status}`}
  }
}
