import {AuthError} from '../../core/errors.js'
import type {HttpClient, HttpRequest, HttpResponse} from '../types.js'
import type {Clock} from '../../core/clock.js'
import {OAuthErrorSchema, TokenResponseSchema} from './schema.js'

/**
 * OAuth2 client credentials (docs/gateways.md#paypal-auth): `POST /v1/oauth2/token` with Basic
 * base64(client_id:secret) and `grant_type=client_credentials`. The token is cached until `expires_in` minus a
 * safety margin (by the injected clock), and a 401 on an API call drops it, fetches a new one and repeats the call once.
 */
export const TOKEN_SAFETY_MARGIN_MS = 5 * 60_000

export interface TokenSourceOptions {
  http: HttpClient
  clock: Clock
  providerId: string
  /**
   * Read when a token is fetched, not at connect: verifying webhooks offline needs no credentials, and a missing
   * one fails the call that needs it (with the service's hint) rather than every use of the client.
   */
  credentials(): {clientId: string; clientSecret: string}
}

export interface AuthorizedHttp {
  /** Sends with `Authorization: Bearer`, refreshing the token once on a 401. */
  request(req: HttpRequest, signal?: AbortSignal): Promise<HttpResponse>
  /** Fetches a token now (testConnection). */
  token(signal?: AbortSignal): Promise<string>
}

function oauthError(res: HttpResponse): string {
  try {
    const parsed = OAuthErrorSchema.safeParse(res.json())
    return parsed.success ? parsed.data.error : String(res.status)
  } catch {
    return String(res.status)
  }
}

export function createAuthorizedHttp(opts: TokenSourceOptions): AuthorizedHttp {
  let cached: {token: string; expiresAt: number} | null = null
  let inflight: Promise<string> | null = null

  async function fetchToken(signal?: AbortSignal): Promise<string> {
    const {clientId, clientSecret} = opts.credentials()
    const basic = Buffer.from(`${clientId}:${clientSecret}`, 'utf8').toString('base64')
    const res = await opts.http.request(
      {
        method: 'POST',
        path: '/v1/oauth2/token',
        endpoint: 'POST /v1/oauth2/token',
        headers: {
          authorization: `Basic ${basic}`,
          'content-type': 'application/x-www-form-urlencoded',
          accept: 'application/json',
        },
        body: 'grant_type=client_credentials',
      },
      signal,
    )
    if (res.status === 401 || res.status === 403 || (res.status === 400 && oauthError(res) === 'invalid_client')) {
      throw new AuthError(
        `PayPal refused the client credentials of provider ${opts.providerId} (${res.status} ${oauthError(res)})`,
        "Check the provider's client_id and client_secret secrets (live and sandbox apps have different ones).",
      )
    }
    if (res.status < 200 || res.status >= 300)
      throw new Error(`PayPal POST /v1/oauth2/token answered ${res.status} ${oauthError(res)}`)
    let body: unknown
    try {
      body = res.json()
    } catch {
      throw new Error('PayPal POST /v1/oauth2/token answered with a body that is not JSON')
    }
    const parsed = TokenResponseSchema.safeParse(body)
    if (!parsed.success) throw new Error('PayPal POST /v1/oauth2/token answered without access_token/expires_in')
    const lifetimeMs = parsed.data.expires_in * 1000
    // A short-lived token (below twice the margin) is used for half its life rather than not at all.
    const margin = Math.min(TOKEN_SAFETY_MARGIN_MS, lifetimeMs / 2)
    cached = {token: parsed.data.access_token, expiresAt: opts.clock.now() + lifetimeMs - margin}
    return parsed.data.access_token
  }

  async function token(signal?: AbortSignal, forceNew = false): Promise<string> {
    if (!forceNew && cached && opts.clock.now() < cached.expiresAt) return cached.token
    // Concurrent callers share one token request.
    inflight ??= fetchToken(signal).finally(() => (inflight = null))
    return inflight
  }

  async function send(req: HttpRequest, bearer: string, signal?: AbortSignal): Promise<HttpResponse> {
    return opts.http.request({...req, headers: {...req.headers, authorization: `Bearer ${bearer}`}}, signal)
  }

  return {
    token: (signal) => token(signal, true),
    async request(req, signal) {
      const first = await token(signal)
      const res = await send(req, first, signal)
      if (res.status !== 401) return res
      if (cached?.token === first) cached = null
      return send(req, await token(signal), signal)
    },
  }
}
