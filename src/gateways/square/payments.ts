import {createHash} from 'node:crypto'

import {toGatewayMinor} from '../../core/money.js'
import {CircuitOpenError, TransportError} from '../http.js'
import {outcomeOfPayment} from '../payment-outcome.js'
import type {CreatePaymentRequest, PaymentOutcome} from '../types.js'
import type {SquareApi} from './api.js'
import {squareFailure} from './classify.js'
import {facts} from './facts.js'
import {ErrorsBodySchema} from './schema.js'
import {type TranslateContext, translatePayment, unexplainedFailure} from './translate.js'

/**
 * CreatePayment (POST /v2/payments): the request, its body and the mapping of Square's answer to a PaymentOutcome.
 * Square takes the idempotency key in the JSON body (1–45 characters); the same key with the same body returns
 * the first response, so a retry after a timeout must reuse both (docs/gateways.md#square-idempotency).
 */
const MAX_IDEMPOTENCY_KEY = 45

/** The caller's key when Square accepts it, else a stable digest of it (base64url SHA-256: 43 characters). */
export function squareIdempotencyKey(key: string): string {
  if (key.length >= 1 && key.length <= MAX_IDEMPOTENCY_KEY) return key
  return createHash('sha256').update(key, 'utf8').digest('base64url')
}

const REFERENCE_ID_MAX = 40
const NOTE_MAX = 500

function createPaymentBody(req: CreatePaymentRequest, locationId: string | undefined): Record<string, unknown> {
  const {reference_id: referenceId, note, ...rest} = req.metadata
  const restNote = Object.entries(rest)
    .map(([k, v]) => `${k}=${v}`)
    .join('; ')
  const body: Record<string, unknown> = {
    idempotency_key: squareIdempotencyKey(req.idempotencyKey),
    source_id: req.paymentMethodRef,
    customer_id: req.customerRef,
    amount_money: {amount: toGatewayMinor(req.amount, facts.wire), currency: req.amount.currency},
    autocomplete: true,
  }
  if (locationId) body.location_id = locationId
  const ref = referenceId ?? req.metadata.invoice_id ?? req.metadata.invoice
  if (ref) body.reference_id = ref.slice(0, REFERENCE_ID_MAX)
  const text = note ?? restNote
  if (text) body.note = text.slice(0, NOTE_MAX)
  return body
}

export async function createSquarePayment(
  api: SquareApi,
  ctx: TranslateContext,
  locationId: string | undefined,
  req: CreatePaymentRequest,
  signal?: AbortSignal,
): Promise<PaymentOutcome> {
  const endpoint = 'POST /v2/payments'
  const body = createPaymentBody(req, locationId)
  let res
  try {
    res = await api.post('/v2/payments', body, {endpoint, idempotencyKey: String(body.idempotency_key)}, signal)
  } catch (error) {
    if (error instanceof CircuitOpenError) {
      return {
        status: 'failed',
        externalId: null,
        failure: {code: 'CIRCUIT_OPEN', message: error.message, decision: 'retry', basis: 'table', origin: 'request'},
        item: null,
      }
    }
    // Sent, but no answer: the payment may exist, so it is resolved before any retry.
    if (error instanceof TransportError)
      return {status: 'unknown', externalId: null, reason: `${endpoint}: ${error.message}`}
    throw error
  }
  let parsed: unknown
  try {
    parsed = res.json()
  } catch {
    return {status: 'unknown', externalId: null, reason: `Square answered ${res.status} with a body that is not JSON`}
  }
  return paymentOutcome(res.status, parsed, ctx)
}

/** Square's answer to CreatePayment -> outcome. 401/403 never get here: the API throws AuthError for them. */
function paymentOutcome(status: number, body: unknown, ctx: TranslateContext): PaymentOutcome {
  const paymentRaw = body && typeof body === 'object' && 'payment' in body ? body.payment : undefined
  if (paymentRaw !== undefined) {
    const translated = translatePayment(paymentRaw, ctx)
    if (!translated.ok) {
      return {
        status: 'unknown',
        externalId: translated.item.externalId,
        reason: `Square returned a payment yms-pay cannot read: ${translated.item.detail}`,
      }
    }
    return outcomeOfPayment(translated.item, {
      whenUnexplained: unexplainedFailure(),
      whenCanceled: {
        code: 'CANCELED',
        message: 'Square canceled the payment',
        decision: 'terminal',
        basis: 'table',
        origin: 'decline',
      },
    })
  }
  const errors = ErrorsBodySchema.safeParse(body)
  const first = errors.success ? errors.data.errors[0] : undefined
  if (!first)
    return {status: 'unknown', externalId: null, reason: `Square answered ${status} without a payment or errors[]`}
  const what = `${first.code}${first.detail ? `: ${first.detail}` : ''}`
  // The first request's outcome is not in this answer: look the payment up before anything else.
  if (first.code === 'IDEMPOTENCY_KEY_REUSED')
    return {status: 'unknown', externalId: null, reason: `Square refused the idempotency key (${what})`}
  if (status >= 500) return {status: 'unknown', externalId: null, reason: `Square answered ${status} (${what})`}
  return {
    status: 'failed',
    externalId: null,
    failure: squareFailure(first, {decline: false}),
    item: null,
  }
}
