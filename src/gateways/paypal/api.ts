import type {z} from 'zod'

import {AuthError} from '../../core/errors.js'
import type {HttpRequest, HttpResponse} from '../types.js'
import {PaypalApiError} from './api-error.js'
import type {AuthorizedHttp} from './oauth.js'
import {describeIssues, ErrorBodySchema, type PaypalErrorBody, VerifyResponseSchema} from './schema.js'

/**
 * PayPal's REST calls over the bearer-token client (oauth.ts). The version is in the path; there is no version
 * header (docs/gateways.md#paypal-auth). Error bodies are `{name, message, debug_id, details[]}`
 * (docs/gateways.md#paypal-errors).
 */
export interface PaypalApi {
  /** Fetches an access token now (testConnection). */
  token(signal?: AbortSignal): Promise<string>
  /** The JSON body of a 2xx answer; 401/403 throw AuthError, any other status a PaypalApiError. */
  get(path: string, query: HttpRequest['query'], endpoint: string, signal?: AbortSignal): Promise<unknown>
  /** A JSON POST with PayPal-Request-Id. Returns the raw response whatever its status: callers map declines themselves. */
  post(
    path: string,
    body: string,
    opts: {endpoint: string; idempotencyKey: string},
    signal?: AbortSignal,
  ): Promise<HttpResponse>
  /** `POST /v1/notifications/verify-webhook-signature` with the request body (JSON text): true on SUCCESS. */
  verifyWebhookSignature(body: string): Promise<boolean>
}

const VERIFY_ENDPOINT = 'POST /v1/notifications/verify-webhook-signature'

export function createPaypalApi(auth: AuthorizedHttp, providerId: string): PaypalApi {
  return {
    token: (signal) => auth.token(signal),
    async get(path, query, endpoint, signal) {
      const res = await auth.request(
        {method: 'GET', path, query, endpoint, headers: {accept: 'application/json'}},
        signal,
      )
      if (res.status === 401 || res.status === 403) throw authFailure(res, endpoint, providerId)
      if (res.status < 200 || res.status >= 300) throw new PaypalApiError(res.status, endpoint, errorBody(res))
      try {
        return res.json()
      } catch {
        throw new PaypalApiError(res.status, endpoint, {
          name: 'UNPARSEABLE_BODY',
          message: 'the response body is not JSON',
        })
      }
    },
    post(path, body, opts, signal) {
      return auth.request(
        {
          method: 'POST',
          path,
          endpoint: opts.endpoint,
          idempotencyKey: opts.idempotencyKey,
          body,
          headers: {'content-type': 'application/json', accept: 'application/json', prefer: 'return=representation'},
        },
        signal,
      )
    },
    async verifyWebhookSignature(body) {
      const res = await auth.request(
        {
          method: 'POST',
          path: '/v1/notifications/verify-webhook-signature',
          endpoint: VERIFY_ENDPOINT,
          headers: {'content-type': 'application/json', accept: 'application/json'},
          body,
        },
        undefined,
      )
      if (res.status < 200 || res.status >= 300) throw new PaypalApiError(res.status, VERIFY_ENDPOINT, errorBody(res))
      const parsed = VerifyResponseSchema.safeParse(res.json())
      return parsed.success && parsed.data.verification_status === 'SUCCESS'
    },
  }
}

/** The error body when the response has PayPal's shape, else null. */
export function errorBody(res: HttpResponse): PaypalErrorBody | null {
  try {
    const parsed = ErrorBodySchema.safeParse(res.json())
    return parsed.success ? parsed.data : null
  } catch {
    return null
  }
}

/** 401/403 become AuthError (exit 77); a 403 means the app lacks a feature, not that the credentials are wrong. */
function authFailure(res: HttpResponse, endpoint: string, providerId: string): AuthError {
  const body = errorBody(res)
  return new AuthError(
    `PayPal refused provider ${providerId} on ${endpoint} (${res.status}${body ? ` ${body.name}` : ''})`,
    res.status === 403
      ? 'The REST app needs the Transaction Search and Disputes permissions (developer dashboard > app > features); it can take hours to apply.'
      : "Check the provider's client_id and client_secret secrets.",
  )
}

/** A list envelope that is not PayPal's shape: nothing to quarantine, and advancing would skip data, so the page fails. */
export function envelopeError(endpoint: string, error: z.ZodError): PaypalApiError {
  return new PaypalApiError(200, endpoint, {name: 'UNEXPECTED_LIST_BODY', message: describeIssues(error)})
}
