import {AuthError} from '../../core/errors.js'
import type {HttpClient, HttpRequest, HttpResponse} from '../types.js'
import {SquareApiError} from './api-error.js'
import {ErrorsBodySchema, type SquareError} from './schema.js'

/** The Square-Version this adapter was written against (docs/gateways.md#square-auth). */
const SQUARE_VERSION = '2026-05-20'

export interface SquareApi {
  /** A GET whose 2xx body is JSON; 401/403 throw AuthError, any other answer SquareApiError. */
  get(path: string, query: HttpRequest['query'], endpoint: string, signal?: AbortSignal): Promise<unknown>
  /**
   * A JSON POST. 401/403 throw AuthError; any other response is returned whatever its status, because
   * CreatePayment reads a decline from the body of a 4xx.
   */
  post(
    path: string,
    body: Record<string, unknown>,
    opts: {endpoint: string; idempotencyKey: string},
    signal?: AbortSignal,
  ): Promise<HttpResponse>
}

export function createSquareApi(http: HttpClient, accessToken: string, providerId: string): SquareApi {
  const headers = {authorization: `Bearer ${accessToken}`, 'square-version': SQUARE_VERSION, accept: 'application/json'}
  const refuseAuth = (res: HttpResponse, endpoint: string): void => {
    if (res.status === 401 || res.status === 403) throw authFailure(res, endpoint, providerId)
  }
  return {
    async get(path, query, endpoint, signal) {
      const res = await http.request({method: 'GET', path, query, headers, endpoint}, signal)
      refuseAuth(res, endpoint)
      if (res.status < 200 || res.status >= 300) throw new SquareApiError(res.status, endpoint, errorsOf(res))
      try {
        return res.json()
      } catch {
        throw new SquareApiError(res.status, endpoint, [
          {category: 'API_ERROR', code: 'UNPARSEABLE_BODY', detail: 'the response body is not JSON'},
        ])
      }
    },
    async post(path, body, opts, signal) {
      const res = await http.request(
        {
          method: 'POST',
          path,
          headers: {...headers, 'content-type': 'application/json'},
          body: JSON.stringify(body),
          endpoint: opts.endpoint,
          idempotencyKey: opts.idempotencyKey,
        },
        signal,
      )
      refuseAuth(res, opts.endpoint)
      return res
    },
  }
}

/** Square's `errors[]`, or none when the body is not Square's error shape. */
function errorsOf(res: HttpResponse): SquareError[] {
  try {
    const parsed = ErrorsBodySchema.safeParse(res.json())
    return parsed.success ? parsed.data.errors : []
  } catch {
    return []
  }
}

/** 401/403 become AuthError (exit 77); the message names Square's code, never the token. */
function authFailure(res: HttpResponse, endpoint: string, providerId: string): AuthError {
  const code = errorsOf(res)[0]?.code ?? String(res.status)
  return new AuthError(
    `Square refused the credentials of provider ${providerId} on ${endpoint} (${res.status} ${code})`,
    'Check the access token: it must belong to this environment and have PAYMENTS_READ, PAYMENTS_WRITE and DISPUTES_READ.',
  )
}
