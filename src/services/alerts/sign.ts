import {createHmac} from 'node:crypto'

import {UsageError} from '../../core/errors.js'

/**
 * Standard Webhooks v1 signatures (docs/alerts.md#signing): HMAC-SHA256 over `<webhook-id>.<webhook-timestamp>.<body>`
 * with the key that the `whsec_` secret encodes in base64, sent as `v1,<base64>`. Several keys (a rotation) give
 * several space-separated entries; a receiver accepts the message when any of them verifies.
 */
const PREFIX = 'whsec_'
/** The spec asks for at least 24 random bytes. */
const MIN_KEY_BYTES = 24

/** Why `secret` is not a usable signing secret, or null. Never quotes the secret. */
export function signingSecretProblem(secret: string): string | null {
  if (!secret.startsWith(PREFIX)) return `a signing secret starts with ${PREFIX}`
  const encoded = secret.slice(PREFIX.length)
  if (!/^[A-Za-z0-9+/]+={0,2}$/.test(encoded) || encoded.length % 4 !== 0)
    return `the part after ${PREFIX} must be standard base64`
  if (Buffer.from(encoded, 'base64').length < MIN_KEY_BYTES)
    return `the key must be at least ${MIN_KEY_BYTES} bytes (${Math.ceil((MIN_KEY_BYTES * 4) / 3)} base64 characters)`
  return null
}

export function signingKey(secret: string, label = 'signing secret'): Buffer {
  const problem = signingSecretProblem(secret)
  if (problem !== null)
    throw new UsageError(`${label}: ${problem}`, `Make one with: printf 'whsec_%s\\n' "$(openssl rand -base64 32)"`)
  return Buffer.from(secret.slice(PREFIX.length), 'base64')
}

/** The `webhook-signature` header value: one `v1,` entry per key, in the order given. */
export function signatureHeader(
  message: {id: string; timestamp: number; body: string},
  keys: readonly Buffer[],
): string {
  const content = `${message.id}.${message.timestamp}.${message.body}`
  return keys.map((key) => `v1,${createHmac('sha256', key).update(content, 'utf8').digest('base64')}`).join(' ')
}
