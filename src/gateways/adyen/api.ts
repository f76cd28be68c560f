import {AuthError} from '../../core/errors.js'
import type {HttpClient, HttpResponse} from '../types.js'
import {AdyenApiError, parseErrorBody} from './api-error.js'
import type {ReportCredential} from './report-auth.js'

/** The Checkout API version travels in the path (docs/gateways.md#adyen-auth). */
export const CHECKOUT_VERSION = 'v72'

export type CheckoutOperation = 'payments' | 'paymentMethods'

export interface CheckoutApi {
  /** POSTs JSON to a Checkout endpoint; any answer but 2xx is thrown (AuthError for 401/403, else AdyenApiError). */
  checkout(
    operation: CheckoutOperation,
    body: unknown,
    opts?: {idempotencyKey?: string},
    signal?: AbortSignal,
  ): Promise<HttpResponse>
}

export interface ReportApi {
  /**
   * A report file's text (`url` is absolute), or null on 404 (not generated yet). `missingIsNormal` says a 404 is
   * the expected end of a walk, so the call log does not count it as an error.
   */
  download(
    url: string,
    endpoint: string,
    opts: {missingIsNormal: boolean},
    signal?: AbortSignal,
  ): Promise<string | null>
}

export function createCheckoutApi(http: HttpClient, apiKey: string, providerId: string): CheckoutApi {
  const headers = {'x-api-key': apiKey, accept: 'application/json'}
  const hint = 'Check the api_key and that its role allows this call.'
  return {
    async checkout(operation, body, opts, signal) {
      const path = `/${CHECKOUT_VERSION}/${operation}`
      const endpoint = `POST ${path}`
      const res = await http.request(
        {
          method: 'POST',
          path,
          endpoint,
          headers: {...headers, 'content-type': 'application/json'},
          body: JSON.stringify(body),
          idempotencyKey: opts?.idempotencyKey,
        },
        signal,
      )
      if (res.status >= 200 && res.status < 300) return res
      throw toApiError(res, endpoint, providerId, hint)
    },
  }
}

/** Reports come from the report host with the report credential (docs/gateways.md#adyen-auth). */
export function createReportApi(http: HttpClient, credential: ReportCredential, providerId: string): ReportApi {
  return {
    async download(url, endpoint, opts, signal) {
      const res = await http.request(
        {
          method: 'GET',
          path: url,
          endpoint,
          headers: {...credential.headers, accept: 'text/csv'},
          expectedStatuses: opts.missingIsNormal ? [404] : undefined,
        },
        signal,
      )
      if (res.status === 404) return null
      if (res.status !== 200) throw toApiError(res, endpoint, providerId, credential.hint)
      return res.text()
    },
  }
}

/** 401/403 become AuthError (exit 77); anything else an AdyenApiError carrying the parsed body. */
function toApiError(res: HttpResponse, endpoint: string, providerId: string, hint: string): Error {
  const body = parseErrorBody(res.status, res.text())
  if (res.status === 401 || res.status === 403) {
    const code = body.errorCode ? ` ${body.errorCode}` : ''
    return new AuthError(
      `Adyen refused the credentials of provider ${providerId} (${endpoint}: HTTP ${res.status}${code})`,
      hint,
    )
  }
  return new AdyenApiError(endpoint, res.status, body, providerId)
}
