import type {Clock} from '../../core/clock.js'
import {toGatewayMinor} from '../../core/money.js'
import type {FetchedTxn, NormalizedTxn} from '../../core/transaction.js'
import type {CreatePaymentRequest, PaymentOutcome} from '../types.js'
import {CHECKOUT_VERSION, type CheckoutApi} from './api.js'
import {refusalFailure} from './classify.js'
import {facts} from './facts.js'
import {formatMerchantReference} from './reference.js'
import {type PaymentResponse, PaymentResponseSchema} from './schema.js'
import {isoSeconds} from './timezone.js'
import {type SentPayment, type TranslateContext, translateCreatedPayment} from './translate.js'

/**
 * An off-session charge of a stored card: `POST /v72/payments` with the shopper's stored payment method
 * (ContAuth, UnscheduledCardOnFile) under the Idempotency-Key (docs/gateways.md#adyen-idempotency). The merchant
 * reference carries customer, invoice and payment key, since the settlement report names nothing else.
 */
function paymentRequestBody(
  req: CreatePaymentRequest,
  merchantAccount: string,
  reference: string,
): Record<string, unknown> {
  return {
    amount: {currency: req.amount.currency, value: toGatewayMinor(req.amount, facts.wire)},
    merchantAccount,
    reference,
    paymentMethod: {type: 'scheme', storedPaymentMethodId: req.paymentMethodRef},
    shopperReference: req.customerRef,
    shopperInteraction: 'ContAuth',
    recurringProcessingModel: 'UnscheduledCardOnFile',
    metadata: req.metadata,
  }
}

export async function createAdyenPayment(
  api: CheckoutApi,
  ctx: TranslateContext,
  clock: Clock,
  req: CreatePaymentRequest,
  signal?: AbortSignal,
): Promise<PaymentOutcome> {
  const invoiceRef = req.metadata.invoiceRef ?? null
  const reference = formatMerchantReference({customerRef: req.customerRef, invoiceRef, paymentKey: req.idempotencyKey})
  const body = paymentRequestBody(req, ctx.merchantAccount, reference)
  const res = await api.checkout('payments', body, {idempotencyKey: req.idempotencyKey}, signal)
  const endpoint = `POST /${CHECKOUT_VERSION}/payments`
  let json: unknown
  try {
    json = res.json()
  } catch {
    return {status: 'unknown', externalId: null, reason: `${endpoint}: HTTP ${res.status} with a body that is not JSON`}
  }
  const parsed = PaymentResponseSchema.safeParse(json)
  if (!parsed.success) return {status: 'unknown', externalId: null, reason: `${endpoint}: unexpected response shape`}
  const sent: SentPayment = {
    amount: req.amount,
    customerRef: req.customerRef,
    invoiceRef,
    reference,
    at: isoSeconds(clock.now()),
  }
  return outcomeOf(ctx, parsed.data, sent)
}

/**
 * POST /payments answer -> outcome (docs/gateways.md#adyen-declines). Authorised -> succeeded (auto-capture),
 * Refused -> failed with the refusal code's decision, Received/Pending -> pending (the webhook decides),
 * Error/Cancelled/other -> unknown.
 */
function outcomeOf(ctx: TranslateContext, res: PaymentResponse, sent: SentPayment): PaymentOutcome {
  const psp = res.pspReference ?? null
  const item = (status: NormalizedTxn['status'], failure: NormalizedTxn['failure']): FetchedTxn | null => {
    if (!psp) return null
    const t = translateCreatedPayment(ctx, res, psp, sent, {status, failure})
    return t.ok ? t.item : null
  }
  switch (res.resultCode) {
    case 'Authorised':
      return psp
        ? {status: 'succeeded', externalId: psp, item: item('succeeded', null)}
        : {status: 'unknown', externalId: null, reason: 'Authorised without a pspReference'}
    case 'Received':
    case 'Pending':
      return psp
        ? {status: 'pending', externalId: psp, item: item('pending', null)}
        : {status: 'unknown', externalId: null, reason: `${res.resultCode} without a pspReference`}
    case 'Refused': {
      const failure = refusalFailure(res.refusalReasonCode ?? null, res.refusalReason ?? '', {
        raw: res.additionalData?.refusalReasonRaw,
        merchantAdviceCode: res.additionalData?.merchantAdviceCode,
        brand: res.paymentMethod?.brand ?? res.additionalData?.paymentMethod,
      })
      return {status: 'failed', externalId: psp, failure, item: item('failed', failure)}
    }
    default:
      return {
        status: 'unknown',
        externalId: psp,
        reason: `resultCode ${res.resultCode}${res.refusalReason ? `: ${res.refusalReason}` : ''}`,
      }
  }
}
