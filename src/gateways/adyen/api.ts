import {AuthError} from '../../core/errors.js'
import type {HttpClient, HttpResponse} from '../types.js'
import {AdyenApiError, parseErrorBody} from './api-error.js'

/** The Checkout API version travels in the path (docs/gateways.md#adyen-auth). */
export const CHECKOUT_VERSION = 'v72'

export type CheckoutOperation = 'payments' | 'paymentMethods'

export interface AdyenApi {
  /** POSTs JSON to a Checkout endpoint; any answer but 2xx is thrown (AuthError for 401/403, else AdyenApiError). */
  checkout(
    operation: CheckoutOperation,
    body: unknown,
    opts?: {idempotencyKey?: string},
    signal?: AbortSignal,
  ): Promise<HttpResponse>
  /** A report file's text (`url` is absolute), or null while Adyen has not generated it yet (404). */
  download(url: string, endpoint: string, signal?: AbortSignal): Promise<string | null>
}

export function createAdyenApi(http: HttpClient, apiKey: string, providerId: string): AdyenApi {
  const headers = {'x-api-key': apiKey, accept: 'application/json'}
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
      throw toApiError(res, endpoint, providerId)
    },
    async download(url, endpoint, signal) {
      const res = await http.request(
        {method: 'GET', path: url, endpoint, headers: {...headers, accept: 'text/csv'}},
        signal,
      )
      if (res.status === 404) return null
      if (res.status !== 200) throw toApiError(res, endpoint, providerId)
      return res.text()
    },
  }
}

/** 401/403 become AuthError (exit 77); anything else an AdyenApiError carrying the parsed body. */
function toApiError(res: HttpResponse, endpoint: string, providerId: string): Error {
  const body = parseErrorBody(res.status, res.text())
  if (res.status === 401 || res.status === 403) {
    return new AuthError(
      `adyen refused the credentials of provider ${providerId} (${endpoint}: HTTP ${res.status}${body.errorCode ? ` ${body.errorCode}` : ''})`,
      'Check the api_key and that its role allows this call.',
    )
  }
  return new AdyenApiError(endpoint, res.status, body)
}
