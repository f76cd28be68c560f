import {createHmac, timingSafeEqual} from 'node:crypto'

import type {WebhookEvent, WebhookRequest, WebhookVerification} from '../types.js'
import type {Clock} from '../../core/clock.js'
import {translateEvent} from './events.js'

/** stripe-node's DEFAULT_TOLERANCE (docs/gateways.md#stripe-webhooks). */
const SIGNATURE_TOLERANCE_SECONDS = 300

export function signStripePayload(secret: string, timestamp: number, body: string): string {
  return createHmac('sha256', Buffer.from(secret, 'utf8')).update(`${timestamp}.${body}`, 'utf8').digest('hex')
}

export type SignatureCheck = {ok: true; timestamp: number} | {ok: false; reason: string}

/**
 * `Stripe-Signature: t=…,v1=…[,v1=…]`: accept when any v1 matches HMAC-SHA256(secret, "t.body") (constant time)
 * and the timestamp is at most `tolerance` seconds old by the injected clock. Reasons never contain the secret.
 */
export function verifyStripeSignature(
  header: string | undefined,
  rawBody: Buffer,
  secret: string,
  clock: Clock,
  tolerance = SIGNATURE_TOLERANCE_SECONDS,
): SignatureCheck {
  if (!header) return {ok: false, reason: 'missing Stripe-Signature header'}
  let timestamp: number | null = null
  const signatures: string[] = []
  for (const part of header.split(',')) {
    const at = part.indexOf('=')
    if (at < 0) continue
    const key = part.slice(0, at).trim()
    const value = part.slice(at + 1).trim()
    if (key === 't' && /^\d+$/.test(value)) timestamp = Number(value)
    else if (key === 'v1') signatures.push(value)
  }
  if (timestamp === null) return {ok: false, reason: 'Stripe-Signature has no timestamp'}
  if (signatures.length === 0) return {ok: false, reason: 'Stripe-Signature has no v1 signature'}
  // Over the bytes as received (what Stripe signs), not a decoded copy: one UTF-8 decode per delivery is enough.
  const expected = Buffer.from(
    createHmac('sha256', Buffer.from(secret, 'utf8')).update(`${timestamp}.`, 'utf8').update(rawBody).digest('hex'),
    'utf8',
  )
  const matches = signatures.some((sig) => {
    const given = Buffer.from(sig, 'utf8')
    return given.length === expected.length && timingSafeEqual(given, expected)
  })
  if (!matches) return {ok: false, reason: 'no v1 signature matches the payload'}
  const age = Math.floor(clock.now() / 1000) - timestamp
  if (age > tolerance) return {ok: false, reason: `signature timestamp is ${age} s old (tolerance ${tolerance} s)`}
  return {ok: true, timestamp}
}

export function verifyStripeWebhook(
  req: WebhookRequest,
  secret: string,
  provider: string,
  clock: Clock,
): WebhookVerification {
  const check = verifyStripeSignature(req.headers['stripe-signature'], req.rawBody, secret, clock)
  if (!check.ok) return check
  let body: unknown
  try {
    body = JSON.parse(req.rawBody.toString('utf8'))
  } catch {
    return {ok: false, reason: 'signed body is not JSON', malformed: true}
  }
  const t = translateEvent(body, provider)
  if (t.eventId === null) {
    // Signed by Stripe but not an event we can key on: keep it (quarantine) rather than drop it.
    const digest = createHmac('sha256', 'stripe-webhook-dedup').update(req.rawBody).digest('hex').slice(0, 32)
    return {ok: true, dedupKey: `invalid:${digest}`, events: t.invalid.map((item) => ({kind: 'invalid', item}))}
  }
  const events: WebhookEvent[] = [
    ...t.items.map((item): WebhookEvent => ({kind: 'txn', item})),
    ...t.invalid.map((item): WebhookEvent => ({kind: 'invalid', item})),
  ]
  // What the event cannot say whole is read from Stripe: a charge's fee (its balance transaction is a bare id), or
  // the charge a PaymentIntent event only names (docs/gateways.md#stripe-webhooks).
  const named = t.signal?.data.charge
  const refetch = named ? [...t.refetch, named] : t.refetch
  const at = refetch.length > 0 ? eventTime(body) : undefined
  for (const id of refetch) events.push({kind: 'fetch', ref: at ? {object: 'charge', id, at} : {object: 'charge', id}})
  if (t.signal && !named) events.push({kind: 'signal', name: t.signal.name, data: {...t.signal.data, event: t.eventId}})
  return {ok: true, dedupKey: t.eventId, events}
}

function eventTime(body: unknown): string | undefined {
  const created = (body as {created?: unknown}).created
  return typeof created === 'number' && Number.isSafeInteger(created)
    ? new Date(created * 1000).toISOString()
    : undefined
}
