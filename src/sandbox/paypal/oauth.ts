import type {Clock} from '../../core/clock.js'
import type {EmulatorRequest, EmulatorResponse} from '../emulator.js'
import {derive} from './ids.js'
import {json} from './responses.js'

/**
 * `POST /v1/oauth2/token` (Basic client credentials, `grant_type=client_credentials`) and the bearer check on
 * every other call. Tokens expire by the injected clock (docs/gateways.md#paypal-auth).
 */
export interface TokenDesk {
  /** The token endpoint. */
  issue(req: EmulatorRequest): EmulatorResponse
  /** Whether the request carries a token this desk issued that has not expired. */
  authorized(req: EmulatorRequest): boolean
  /** Invalidates every issued token (the next API call gets 401 invalid_token). */
  expireAll(): void
  /** Token requests served (successful ones). */
  issued(): number
}

const TOKEN_LIFETIME_S = 32_400
const TOKEN_ALPHABET = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789_-'

export const invalidToken = (): EmulatorResponse =>
  json(401, {error: 'invalid_token', error_description: 'Token signature verification failed'})

export function createTokenDesk(
  seed: number,
  secrets: {client_id: string; client_secret: string},
  clock: Clock,
): TokenDesk {
  const tokens = new Map<string, number>() // token -> expiry (epoch ms)
  let issued = 0
  return {
    issue(req) {
      const m = /^Basic\s+(.+)$/i.exec(req.headers.authorization ?? '')
      const [id, secret] = m ? Buffer.from(m[1]!, 'base64').toString('utf8').split(':') : []
      if (id !== secrets.client_id || secret !== secrets.client_secret)
        return json(401, {error: 'invalid_client', error_description: 'Client Authentication failed'})
      const form = new URLSearchParams(req.rawBody.toString('utf8'))
      if (form.get('grant_type') !== 'client_credentials')
        return json(400, {error: 'unsupported_grant_type', error_description: 'Grant Type is NULL'})
      const accessToken = `A21AA${derive(seed, `token:${issued}:${clock.now()}`, 60, TOKEN_ALPHABET)}`
      tokens.set(accessToken, clock.now() + TOKEN_LIFETIME_S * 1000)
      issued++
      return json(200, {
        scope:
          'https://uri.paypal.com/services/reporting/search/read https://uri.paypal.com/services/disputes/read-seller https://uri.paypal.com/services/payments/payment',
        access_token: accessToken,
        token_type: 'Bearer',
        app_id: `APP-${derive(seed, 'app', 17)}`,
        expires_in: TOKEN_LIFETIME_S,
        nonce: `${new Date(clock.now()).toISOString().slice(0, 19)}Z${derive(seed, `nonce:${issued}`, 43)}`,
      })
    },
    authorized(req) {
      const m = /^Bearer\s+(\S+)$/i.exec(req.headers.authorization ?? '')
      const expiry = m ? tokens.get(m[1]!) : undefined
      return expiry !== undefined && clock.now() < expiry
    },
    expireAll: () => tokens.clear(),
    issued: () => issued,
  }
}

/** The app's credentials, derived from the seed so a scenario always has the same ones. */
export function sandboxCredentials(seed: number): {client_id: string; client_secret: string} {
  return {
    client_id: `A${derive(seed, 'client-id', 79, TOKEN_ALPHABET)}`,
    client_secret: `E${derive(seed, 'client-secret', 79, TOKEN_ALPHABET)}`,
  }
}
