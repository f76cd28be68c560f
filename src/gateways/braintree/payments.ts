import {formatGatewayDecimal, formatMoney} from '../../core/money.js'
import {CircuitOpenError, TransportError} from '../http.js'
import {outcomeOfPayment} from '../payment-outcome.js'
import type {CreatePaymentRequest, PaymentOutcome} from '../types.js'
import type {Clock} from '../../core/clock.js'
import type {Decision, Failure} from '../../core/transaction.js'
import type {Translation} from '../translate-kit.js'
import {BraintreeApiError} from './api-error.js'
import type {BraintreeApi, XmlAnswer} from './api.js'
import {classifyBraintreeError} from './classify.js'
import {facts} from './facts.js'
import {ApiErrorResponseSchema, collectValidationErrors, SearchResultsSchema} from './schema.js'
import {type TranslateContext, translateTransaction} from './translate.js'
import {asList, isXmlObject, type XmlValue} from './xml.js'

/**
 * A sale on a stored payment method: POST /merchants/{id}/transactions (JSON in, XML out), submitted for
 * settlement at once. Braintree takes no idempotency key, so nothing here is ever re-sent: the HTTP client
 * is told not to retry ambiguous POSTs (retryAmbiguousPosts: false), and after a timeout, reset or 5xx the
 * sale is looked up by its order id before any new sale (docs/gateways.md#braintree-idempotency). The order id
 * is the invoice when the caller names one (so the gateway's own UI shows it), else the idempotency key; the
 * lookup narrows by created_at to this attempt, so earlier attempts for the same invoice are not mistaken for it.
 */
const ORDER_ID_MAX = 255
/** How far before the request the lookup searches (clock skew between us and Braintree). */
const LOOKUP_SKEW_MS = 120_000

function orderIdFor(req: CreatePaymentRequest): string {
  return (req.metadata.invoice_id ?? req.metadata.invoice ?? req.idempotencyKey).slice(0, ORDER_ID_MAX)
}

function saleBody(req: CreatePaymentRequest, merchantAccountId: string | undefined): Record<string, unknown> {
  const transaction: Record<string, unknown> = {
    type: 'sale',
    amount: formatGatewayDecimal(req.amount, facts.wire),
    payment_method_token: req.paymentMethodRef,
    customer_id: req.customerRef,
    order_id: orderIdFor(req),
    options: {submit_for_settlement: true},
  }
  if (merchantAccountId) transaction.merchant_account_id = merchantAccountId
  return {transaction}
}

function fromTranslation(t: Translation): PaymentOutcome {
  if (!t.ok)
    return {
      status: 'unknown',
      externalId: t.item.externalId,
      reason: `Braintree returned a transaction yms-pay cannot read: ${t.item.detail}`,
    }
  const {txn} = t.item
  return outcomeOfPayment(t.item, {
    whenUnexplained: {code: 'failed', message: 'failed', decision: 'terminal', basis: 'table', origin: 'decline'},
    whenCanceled: {
      code: 'canceled',
      message: `Braintree ${txn.metadata.braintree_status ?? 'canceled'} the sale`,
      decision: 'terminal',
      basis: 'table',
      origin: 'decline',
    },
  })
}

/** A request that failed before Braintree decided anything about the payment: no attempt on the card. */
function requestFailure(code: string, message: string, decision: Decision): Failure {
  return {code, message, decision, basis: 'table', origin: 'request'}
}

/** Braintree's answer to a sale -> outcome (status 201 with <transaction>, or 422 <api-error-response>). */
function saleOutcome(
  status: number,
  root: string | null,
  value: XmlValue | null,
  ctx: TranslateContext,
): PaymentOutcome {
  if ((status === 200 || status === 201) && root === 'transaction')
    return fromTranslation(translateTransaction(value, ctx))
  if (status === 422 && root === 'api-error-response' && isXmlObject(value)) {
    // Processor declines and gateway rejections carry the failed transaction; validation errors do not.
    if (isXmlObject(value.transaction)) return fromTranslation(translateTransaction(value.transaction, ctx))
    const body = ApiErrorResponseSchema.safeParse(value)
    const errors = body.success ? collectValidationErrors(body.data.errors) : []
    const first = errors[0]
    const message = (body.success && body.data.message) || first?.message || 'validation failed'
    return {
      status: 'failed',
      externalId: null,
      failure: requestFailure(first?.code ?? 'validation', message, 'terminal'),
      item: null,
    }
  }
  if (status === 429)
    return {
      status: 'failed',
      externalId: null,
      failure: requestFailure('rate_limited', 'Braintree answered 429', 'retry'),
      item: null,
    }
  if (status >= 500 || status === 408)
    return {status: 'unknown', externalId: null, reason: `Braintree answered ${status}`}
  const error = new BraintreeApiError(
    status,
    'POST /transactions',
    root === null ? 'the body is not XML' : `unexpected <${root}>`,
  )
  const decision = classifyBraintreeError(error)
  if (decision === 'unknown') return {status: 'unknown', externalId: null, reason: error.message}
  return {
    status: 'failed',
    externalId: null,
    failure: requestFailure(`http_${status}`, error.message, decision),
    item: null,
  }
}

export async function createBraintreePayment(
  api: BraintreeApi,
  ctx: TranslateContext,
  accounts: ReadonlyMap<string, string>,
  req: CreatePaymentRequest,
  clock: Clock,
  signal?: AbortSignal,
): Promise<PaymentOutcome> {
  const account = accounts.get(req.amount.currency)
  if (accounts.size > 0 && !account) {
    const message = `no Braintree merchant account is configured for ${req.amount.currency} (setting merchant_accounts)`
    return {
      status: 'failed',
      externalId: null,
      failure: requestFailure('currency_not_configured', message, 'terminal'),
      item: null,
    }
  }
  const startedMs = clock.now()
  let answer: XmlAnswer
  try {
    answer = await api.post('/transactions', 'POST /transactions', saleBody(req, account), signal)
  } catch (error) {
    if (error instanceof CircuitOpenError)
      return {
        status: 'failed',
        externalId: null,
        failure: requestFailure('circuit_open', error.message, 'retry'),
        item: null,
      }
    if (error instanceof TransportError) {
      if (classifyBraintreeError(error) === 'retry') {
        return {
          status: 'failed',
          externalId: null,
          failure: requestFailure(`network_${error.reason}`, error.message, 'retry'),
          item: null,
        }
      }
      return resolveAmbiguous(api, ctx, req, startedMs, `POST /transactions: ${error.message}`, signal)
    }
    throw error
  }
  const outcome = saleOutcome(answer.status, answer.root, answer.value, ctx)
  if (outcome.status === 'unknown' && answer.status >= 500)
    return resolveAmbiguous(api, ctx, req, startedMs, outcome.reason, signal)
  return outcome
}

async function resolveAmbiguous(
  api: BraintreeApi,
  ctx: TranslateContext,
  req: CreatePaymentRequest,
  startedMs: number,
  reason: string,
  signal?: AbortSignal,
): Promise<PaymentOutcome> {
  try {
    const found = await lookupBraintreePayment(api, ctx, req, startedMs, signal)
    if (found.status !== 'unknown') return found
    return {status: 'unknown', externalId: null, reason: `${reason}; ${found.reason}`}
  } catch (error) {
    return {
      status: 'unknown',
      externalId: null,
      reason: `${reason}; the lookup by order id failed too (${(error as Error).message})`,
    }
  }
}

/**
 * Finds the sale a createPayment made, by order id and amount, created no earlier than `sinceMs` − skew.
 * Not found is still `unknown`: the sale may be in flight; the caller asks again later before any new sale.
 */
export async function lookupBraintreePayment(
  api: BraintreeApi,
  ctx: TranslateContext,
  req: CreatePaymentRequest,
  sinceMs: number,
  signal?: AbortSignal,
): Promise<PaymentOutcome> {
  const search = {
    order_id: {is: orderIdFor(req)},
    type: ['sale'],
    created_at: {min: new Date(sinceMs - LOOKUP_SKEW_MS).toISOString()},
  }
  const ids = await api.post(
    '/transactions/advanced_search_ids',
    'POST /transactions/advanced_search_ids',
    {search},
    signal,
  )
  const parsed = ids.status === 200 ? SearchResultsSchema.safeParse(ids.value) : null
  if (!parsed?.success)
    throw new BraintreeApiError(ids.status, 'POST /transactions/advanced_search_ids', 'lookup by order id failed')
  if (parsed.data.ids.length === 0)
    return {status: 'unknown', externalId: null, reason: `no sale with order id ${orderIdFor(req)} found yet`}
  const page = await api.post(
    '/transactions/advanced_search',
    'POST /transactions/advanced_search',
    {search: {...search, ids: parsed.data.ids.slice(-50)}},
    signal,
  )
  if (page.status !== 200 || !isXmlObject(page.value))
    throw new BraintreeApiError(page.status, 'POST /transactions/advanced_search', 'lookup by order id failed')
  const candidates = asList(page.value.transaction)
    .map((raw) => translateTransaction(raw, ctx))
    .filter(
      (t): t is Extract<Translation, {ok: true}> =>
        t.ok && t.item.txn.amount.minor === req.amount.minor && t.item.txn.amount.currency === req.amount.currency,
    )
    .sort((a, b) => (a.item.txn.occurredAt < b.item.txn.occurredAt ? 1 : -1))
  const latest = candidates[0]
  if (!latest)
    return {
      status: 'unknown',
      externalId: null,
      reason: `sales with order id ${orderIdFor(req)} exist but none for ${formatMoney(req.amount)}`,
    }
  return fromTranslation(latest)
}
