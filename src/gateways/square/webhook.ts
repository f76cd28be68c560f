import {createHmac, timingSafeEqual} from 'node:crypto'

import type {WebhookEvent, WebhookRequest, WebhookVerification} from '../types.js'
import {WebhookEnvelopeSchema} from './schema.js'
import {invalidEvent as invalid, parseSignedJson} from '../signed-body.js'
import type {Translation} from '../translate-kit.js'
import {type TranslateContext, translateDispute, translatePayment, translateRefund} from './translate.js'

/**
 * Square webhooks (docs/gateways.md#square-webhooks): `x-square-hmacsha256-signature` = base64(HMAC-SHA256(signature key as UTF-8,
 * notification URL + raw body)). Nothing time-based is signed, so there is no replay window: de-duplication on
 * event_id is what makes a replay harmless.
 */
export const SIGNATURE_HEADER = 'x-square-hmacsha256-signature'

/** Signs exactly as Square does; the emulator signs with it and the verifier recomputes it. */
export function squareSignature(signatureKey: string, notificationUrl: string, rawBody: Buffer | string): string {
  return createHmac('sha256', Buffer.from(signatureKey, 'utf8'))
    .update(Buffer.from(notificationUrl, 'utf8'))
    .update(typeof rawBody === 'string' ? Buffer.from(rawBody, 'utf8') : rawBody)
    .digest('base64')
}

export function isValidSquareSignature(
  signatureKey: string,
  notificationUrl: string,
  rawBody: Buffer,
  header: string,
): boolean {
  const expected = Buffer.from(squareSignature(signatureKey, notificationUrl, rawBody), 'utf8')
  const given = Buffer.from(header.trim(), 'utf8')
  return expected.length === given.length && timingSafeEqual(expected, given)
}

const TRANSLATORS: Record<string, {object: string; translate: (raw: unknown, ctx: TranslateContext) => Translation}> = {
  'payment.created': {object: 'payment', translate: translatePayment},
  'payment.updated': {object: 'payment', translate: translatePayment},
  'refund.created': {object: 'refund', translate: translateRefund},
  'refund.updated': {object: 'refund', translate: translateRefund},
  'dispute.created': {object: 'dispute', translate: translateDispute},
  'dispute.state.updated': {object: 'dispute', translate: translateDispute},
}

export interface WebhookSettings {
  notificationUrl: string | undefined
  /** Reads the signature_key secret, throwing the provider's missing-secret error when there is none. */
  signatureKey: () => string
}

export function verifySquareWebhook(
  req: WebhookRequest,
  settings: WebhookSettings,
  ctx: TranslateContext,
): WebhookVerification {
  let signatureKey: string
  try {
    signatureKey = settings.signatureKey()
  } catch (error) {
    // Without the key nothing can be verified: the delivery is refused like any other that cannot be, and the
    // reason carries the missing-secret error's message, which says where to put the key.
    return {
      ok: false,
      reason: `cannot verify Square webhooks without the signature_key secret: ${error instanceof Error ? error.message : String(error)}`,
    }
  }
  if (!settings.notificationUrl) {
    return {
      ok: false,
      reason:
        'the notification_url setting (the exact URL registered with Square) is required to verify Square webhooks',
    }
  }
  const header = req.headers[SIGNATURE_HEADER]
  if (!header) return {ok: false, reason: `missing ${SIGNATURE_HEADER} header`}
  if (!isValidSquareSignature(signatureKey, settings.notificationUrl, req.rawBody, header)) {
    return {
      ok: false,
      reason:
        'signature mismatch (wrong signature_key, a notification_url that differs from the one Square signs, or a modified body)',
    }
  }

  const parsed = parseSignedJson(req.rawBody, WebhookEnvelopeSchema)
  if (!parsed.ok) return parsed.verification
  const {body} = parsed
  const {type, event_id: eventId, data} = parsed.value
  const route = TRANSLATORS[type]
  if (!route)
    return {
      ok: true,
      dedupKey: eventId,
      events: [{kind: 'signal', name: type, data: compact({event_id: eventId, id: data.id})}],
    }
  const object = data.object?.[route.object]
  if (object === undefined) {
    return {
      ok: true,
      dedupKey: eventId,
      events: [invalid(data.id ?? null, `data.object.${route.object}: missing in ${type}`, body)],
    }
  }
  const translated = route.translate(object, ctx)
  const event: WebhookEvent = translated.ok
    ? {kind: 'txn', item: translated.item}
    : {kind: 'invalid', item: translated.item}
  return {ok: true, dedupKey: eventId, events: [event]}
}

function compact(entries: Record<string, string | undefined>): Record<string, string> {
  const out: Record<string, string> = {}
  for (const [k, v] of Object.entries(entries)) if (v !== undefined) out[k] = v
  return out
}
