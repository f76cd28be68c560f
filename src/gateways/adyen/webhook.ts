import {createHmac, timingSafeEqual} from 'node:crypto'

import {describeIssues} from '../translate-kit.js'
import type {WebhookEvent, WebhookRequest, WebhookVerification} from '../types.js'
import {NotificationEnvelopeSchema, type NotificationRequestItem, NotificationRequestItemSchema} from './schema.js'
import {type TranslateContext, translateNotification} from './translate.js'

/** The fields Adyen signs, in order; a missing field is an empty string (AN src/utils/hmacValidator.ts). */
export function hmacPayload(
  item: Pick<
    NotificationRequestItem,
    | 'pspReference'
    | 'originalReference'
    | 'merchantAccountCode'
    | 'merchantReference'
    | 'amount'
    | 'eventCode'
    | 'success'
  >,
): string {
  return [
    item.pspReference,
    item.originalReference ?? '',
    item.merchantAccountCode,
    item.merchantReference ?? '',
    String(item.amount.value),
    item.amount.currency,
    item.eventCode,
    item.success,
  ].join(':')
}

/** base64(HMAC-SHA256(hexDecode(hmacKey), data)). */
export function adyenHmac(data: string, hexKey: string): string {
  return createHmac('sha256', Buffer.from(hexKey, 'hex')).update(data, 'utf8').digest('base64')
}

function sameSignature(expected: string, received: string): boolean {
  const a = Buffer.from(expected, 'base64')
  const b = Buffer.from(received, 'base64')
  return a.length === b.length && timingSafeEqual(a, b)
}

/**
 * Adyen has no event id: (eventCode, pspReference, originalReference, success) identifies a delivery (a project
 * decision, docs/gateways.md#adyen-webhooks).
 */
export function dedupKeyFor(
  item: Pick<NotificationRequestItem, 'eventCode' | 'pspReference' | 'originalReference' | 'success'>,
): string {
  return `${item.eventCode}:${item.pspReference}:${item.originalReference ?? ''}:${item.success}`
}

/** Adyen wants the literal body `[accepted]` with a 2xx, within 10 s. */
export const ADYEN_ACK = {status: 200, body: '[accepted]', contentType: 'text/plain'} as const

const HEX_KEY = /^(?:[0-9a-fA-F]{2})+$/

/**
 * Verifies a standard (non-platform) JSON webhook: every item's additionalData.hmacSignature must match.
 * The request is refused as a whole if any item is unsigned or wrongly signed, so Adyen retries it.
 */
export function verifyAdyenWebhook(req: WebhookRequest, hmacKey: string, ctx: TranslateContext): WebhookVerification {
  if (!HEX_KEY.test(hmacKey)) return {ok: false, reason: 'the configured hmac_key is not a hex string'}
  let envelope: unknown
  try {
    envelope = JSON.parse(req.rawBody.toString('utf8'))
  } catch {
    return {ok: false, reason: 'body is not JSON', malformed: true}
  }
  const parsedEnvelope = NotificationEnvelopeSchema.safeParse(envelope)
  if (!parsedEnvelope.success)
    return {ok: false, reason: 'body is not an Adyen notification (no notificationItems)', malformed: true}
  const items: NotificationRequestItem[] = []
  for (const [index, wrapper] of parsedEnvelope.data.notificationItems.entries()) {
    const parsed = NotificationRequestItemSchema.safeParse(wrapper.NotificationRequestItem)
    if (!parsed.success) {
      const detail = describeIssues(parsed.error)
      // Without the signed fields the signature cannot be checked, so this is a refusal, not a quarantine.
      return {ok: false, reason: `notificationItems[${index}] is malformed: ${detail}`, malformed: true}
    }
    const signature = parsed.data.additionalData?.hmacSignature
    if (!signature) return {ok: false, reason: `notificationItems[${index}] has no additionalData.hmacSignature`}
    if (!sameSignature(adyenHmac(hmacPayload(parsed.data), hmacKey), signature)) {
      return {ok: false, reason: `notificationItems[${index}] signature does not match`}
    }
    items.push(parsed.data)
  }
  const events: WebhookEvent[] = items.map((item) => translateNotification(ctx, item))
  return {ok: true, events, dedupKey: items.map(dedupKeyFor).join('|'), ack: {...ADYEN_ACK}}
}
