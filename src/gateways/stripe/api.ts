import {AuthError} from '../../core/errors.js'
import type {HttpClient, HttpRequest, HttpResponse} from '../types.js'
import {StripeApiError} from './api-error.js'
import {ErrorBodySchema, ListSchema} from './schema.js'

/** The API version yms-pay's translations were written against (docs/gateways.md#stripe-auth). */
export const STRIPE_API_VERSION = '2026-07-29.dahlia'

export interface StripeApi {
  get(path: string, query: HttpRequest['query'], endpoint: string, signal?: AbortSignal): Promise<unknown>
  list(
    path: string,
    query: HttpRequest['query'],
    endpoint: string,
    signal?: AbortSignal,
  ): Promise<{data: unknown[]; hasMore: boolean}>
  /** Returns the raw response whatever its status: callers of POSTs map declines themselves. */
  post(
    path: string,
    form: URLSearchParams,
    opts: {endpoint: string; idempotencyKey: string},
    signal?: AbortSignal,
  ): Promise<HttpResponse>
}

export function createStripeApi(http: HttpClient, apiKey: string): StripeApi {
  const headers = {authorization: `Bearer ${apiKey}`, 'stripe-version': STRIPE_API_VERSION, accept: 'application/json'}
  const get = async (
    path: string,
    query: HttpRequest['query'],
    endpoint: string,
    signal?: AbortSignal,
  ): Promise<unknown> => {
    const res = await http.request({method: 'GET', path, query, headers, endpoint}, signal)
    if (res.status >= 200 && res.status < 300) return parseJson(res, endpoint)
    throw toApiError(res, endpoint)
  }
  return {
    get,
    async list(path, query, endpoint, signal) {
      const body = await get(path, query, endpoint, signal)
      const parsed = ListSchema.safeParse(body)
      if (!parsed.success)
        throw new StripeApiError(`${endpoint}: response is not a Stripe list`, {status: 200, type: 'api_error'})
      return {data: parsed.data.data, hasMore: parsed.data.has_more}
    },
    post(path, form, opts, signal) {
      return http.request(
        {
          method: 'POST',
          path,
          headers: {...headers, 'content-type': 'application/x-www-form-urlencoded'},
          body: form.toString(),
          endpoint: opts.endpoint,
          idempotencyKey: opts.idempotencyKey,
        },
        signal,
      )
    },
  }
}

function parseJson(res: HttpResponse, endpoint: string): unknown {
  try {
    return res.json()
  } catch {
    throw new StripeApiError(`${endpoint}: response is not JSON (HTTP ${res.status})`, {
      status: res.status,
      type: 'api_error',
    })
  }
}

/**
 * 401/403 become AuthError (exit 77). Stripe's 401 message echoes part of the key, so it is not repeated here.
 */
export function toApiError(res: HttpResponse, endpoint: string): Error {
  if (res.status === 401) {
    return new AuthError(
      `Stripe refused the API key (HTTP 401 on ${endpoint})`,
      "Check the provider's api_key secret (a secret key sk_… or a restricted key rk_…).",
    )
  }
  if (res.status === 403) {
    return new AuthError(
      `Stripe refused access (HTTP 403 on ${endpoint})`,
      'The key lacks a permission; a restricted key needs read access to charges, refunds, disputes and events.',
    )
  }
  let body: unknown
  try {
    body = res.json()
  } catch {
    body = null
  }
  const parsed = ErrorBodySchema.safeParse(body)
  const error = parsed.success ? parsed.data.error : null
  const requestId = res.headers['request-id'] ?? null
  const shouldRetryHeader = res.headers['stripe-should-retry']
  return new StripeApiError(
    `${endpoint}: HTTP ${res.status}${error?.type ? ` ${error.type}` : ''}${error?.code ? `/${error.code}` : ''}${error?.message ? `: ${error.message}` : ''}`,
    {
      status: res.status,
      type: error?.type ?? null,
      code: error?.code ?? null,
      declineCode: error?.decline_code ?? null,
      adviceCode: error?.advice_code ?? null,
      networkDeclineCode: error?.network_decline_code ?? null,
      networkAdviceCode: error?.network_advice_code ?? null,
      cardBrand: error?.payment_method?.card?.brand ?? null,
      param: error?.param ?? null,
      requestId,
      shouldRetry: shouldRetryHeader === undefined ? null : shouldRetryHeader === 'true',
    },
  )
}
