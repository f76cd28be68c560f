import {createHash} from 'node:crypto'

import {toGatewayMinor} from '../../core/money.js'
import {outcomeOfPayment} from '../payment-outcome.js'
import type {CreatePaymentRequest, PaymentOutcome} from '../types.js'
import {declineDecision} from './classify.js'
import {ErrorsBodySchema} from './schema.js'
import {type TranslateContext, translatePayment} from './translate.js'
import {facts} from './facts.js'

/**
 * CreatePayment (POST /v2/payments): request body and the mapping of Square's answer to a PaymentOutcome.
 * Square takes the idempotency key in the JSON body (1–45 characters); the same key with the same body returns
 * the first response, so a retry after a timeout must reuse both.
 */
export const MAX_IDEMPOTENCY_KEY = 45

/** The caller's key when Square accepts it, else a stable digest of it (base64url SHA-256: 43 characters). */
export function squareIdempotencyKey(key: string): string {
  if (key.length >= 1 && key.length <= MAX_IDEMPOTENCY_KEY) return key
  return createHash('sha256').update(key, 'utf8').digest('base64url')
}

const REFERENCE_ID_MAX = 40
const NOTE_MAX = 500

export function createPaymentBody(req: CreatePaymentRequest, locationId: string | undefined): Record<string, unknown> {
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

/** Square's answer to CreatePayment -> outcome. 401 is handled by the caller (AuthError). */
export function paymentOutcome(status: number, body: unknown, ctx: TranslateContext): PaymentOutcome {
  const paymentRaw = body && typeof body === 'object' && 'payment' in body ? body.payment : undefined
  if (paymentRaw !== undefined) {
    const translated = translatePayment(paymentRaw, ctx)
    if (!translated.ok) {
      return {status: 'unknown', externalId: translated.item.externalId, reason: `Square returned a payment yms-pay cannot read: ${translated.item.detail}`}
    }
    return outcomeOfPayment(translated.item, {
      whenUnexplained: failedWithout(),
      whenCanceled: {code: 'CANCELED', message: 'Square canceled the payment', decision: 'terminal'},
    })
  }
  const errors = ErrorsBodySchema.safeParse(body)
  const first = errors.success ? errors.data.errors[0] : undefined
  if (!first) return {status: 'unknown', externalId: null, reason: `Square answered ${status} without a payment or errors[]`}
  const what = `${first.code}${first.detail ? `: ${first.detail}` : ''}`
  // The first request's outcome is not in this answer: look the payment up before anything else.
  if (first.code === 'IDEMPOTENCY_KEY_REUSED') return {status: 'unknown', externalId: null, reason: `Square refused the idempotency key (${what})`}
  if (status >= 500) return {status: 'unknown', externalId: null, reason: `Square answered ${status} (${what})`}
  return {status: 'failed', externalId: null, failure: {code: first.code, message: first.detail ?? first.code, decision: declineDecision(first.code)}, item: null}
}

function failedWithout() {
  return {code: 'FAILED', message: 'Square reported the payment FAILED without an error code', decision: declineDecision('FAILED')}
}
