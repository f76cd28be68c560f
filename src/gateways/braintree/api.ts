import {AuthError, ConfigError} from '../../core/errors.js'
import type {HttpClient} from '../types.js'
import {BraintreeApiError} from './api-error.js'
import {ApiErrorResponseSchema, collectValidationErrors} from './schema.js'
import {parseBraintreeXml, type XmlValue} from './xml.js'

/** The API version yms-pay's translations were written against (docs/gateways.md#braintree-auth). */
const BRAINTREE_API_VERSION = '6'

/** Braintree's answer: the status and the XML as xml.ts reads it (`root` and `value` null when the body is not XML). */
export interface XmlAnswer {
  status: number
  root: string | null
  value: XmlValue | null
  text: string
}

export interface BraintreeApi {
  /** POSTs JSON and reads the XML answer. 401/403 -> AuthError, 404 -> ConfigError; other statuses are returned. */
  post(
    path: string,
    endpoint: string,
    body: unknown,
    signal?: AbortSignal,
    query?: Record<string, string>,
  ): Promise<XmlAnswer>
}

export interface BraintreeCredentials {
  providerId: string
  merchantId: string
  publicKey: string
  privateKey: string
}

/** The classic gateway under /merchants/{merchant_id}: Basic auth with public:private key, X-ApiVersion, JSON in, XML out. */
export function createBraintreeApi(http: HttpClient, creds: BraintreeCredentials): BraintreeApi {
  const authorization = `Basic ${Buffer.from(`${creds.publicKey}:${creds.privateKey}`).toString('base64')}`
  const merchantPath = `/merchants/${encodeURIComponent(creds.merchantId)}`
  const headers = {
    authorization,
    'x-apiversion': BRAINTREE_API_VERSION,
    accept: 'application/xml',
    'content-type': 'application/json',
  }
  return {
    async post(path, endpoint, body, signal, query) {
      const res = await http.request(
        {
          method: 'POST',
          path: merchantPath + path,
          query,
          endpoint,
          headers,
          body: JSON.stringify(body),
          // Searches change nothing: re-sending one after a timeout is safe, unlike a sale.
          readOnly: path.endsWith('/advanced_search_ids') || path.endsWith('/advanced_search'),
        },
        signal,
      )
      if (res.status === 401 || res.status === 403) {
        throw new AuthError(
          `Braintree refused the credentials of provider ${creds.providerId} on ${endpoint} (${res.status})`,
          `Check public_key (a setting) and the provider's private_key secret; they must belong to merchant ${creds.merchantId} in this environment.`,
        )
      }
      if (res.status === 404) {
        throw new ConfigError(
          `Braintree does not know merchant ${creds.merchantId} (${endpoint} answered 404)`,
          'Check the merchant_id setting and the base URL (sandbox or production).',
        )
      }
      const text = res.text()
      const parsed = parseBraintreeXml(text)
      return parsed.ok
        ? {status: res.status, root: parsed.root, value: parsed.value, text}
        : {status: res.status, root: null, value: null, text}
    },
  }
}

/** An answer other than the one expected, as the error it stands for (a 422 carries Braintree's validation errors). */
export function toApiError(answer: Pick<XmlAnswer, 'status' | 'root' | 'value'>, endpoint: string): BraintreeApiError {
  const {status, root, value} = answer
  if (root === 'api-error-response') {
    const body = ApiErrorResponseSchema.safeParse(value)
    const errors = body.success ? collectValidationErrors(body.data.errors) : []
    return new BraintreeApiError(status, endpoint, (body.success && body.data.message) || 'validation failed', errors)
  }
  return new BraintreeApiError(status, endpoint, root === null ? 'the body is not XML' : `unexpected <${root}>`)
}

/** A search that matches nothing: proves the keys, the merchant id and the API version in one call. */
export async function testBraintreeConnection(api: BraintreeApi, signal?: AbortSignal): Promise<void> {
  const endpoint = 'POST /transactions/advanced_search_ids'
  const answer = await api.post(
    '/transactions/advanced_search_ids',
    endpoint,
    {search: {ids: ['yms-pay-connection-test']}},
    signal,
  )
  if (answer.status !== 200 || answer.root !== 'search-results') throw toApiError(answer, endpoint)
}
