import {createHash, createHmac, timingSafeEqual} from 'node:crypto'

import {invalidEvent} from '../signed-body.js'
import type {WebhookEvent, WebhookRequest, WebhookVerification} from '../types.js'
import {type TranslateContext, translateDispute, translateTransaction} from './translate.js'
import {isXmlObject, parseBraintreeXml} from './xml.js'

/**
 * Braintree webhooks (docs/gateways.md#braintree-webhooks; BT `webhook_notification_gateway.js`, `digest.js`):
 * a form POST of `bt_signature` and `bt_payload`. The payload is base64 XML; the signature is
 * `public_key|hex(HMAC-SHA1(key = SHA1(private_key), payload))`, several pairs possibly joined by `&`. The SDK
 * accepts the payload with or without a trailing newline (the testing gateway appends one, some frameworks strip
 * it). There is no event id: deliveries are de-duplicated on kind, subject id and the notification timestamp.
 */
function braintreeSignature(privateKey: string, payload: string): string {
  const key = createHash('sha1').update(privateKey, 'utf8').digest()
  return createHmac('sha1', key).update(payload, 'utf8').digest('hex')
}

export function signBraintreePayload(publicKey: string, privateKey: string, payload: string): string {
  return `${publicKey}|${braintreeSignature(privateKey, payload)}`
}

const ILLEGAL_PAYLOAD = /[^A-Za-z0-9+=/\n]/

function sameHex(a: string, b: string): boolean {
  const x = Buffer.from(a, 'utf8')
  const y = Buffer.from(b, 'utf8')
  return x.length === y.length && timingSafeEqual(x, y)
}

export function verifyBraintreeSignature(
  signature: string,
  payload: string,
  keys: {publicKey: string; privateKey: string},
): {ok: true} | {ok: false; reason: string} {
  if (!signature) return {ok: false, reason: 'bt_signature is missing'}
  if (!payload) return {ok: false, reason: 'bt_payload is missing'}
  if (ILLEGAL_PAYLOAD.test(payload)) return {ok: false, reason: 'bt_payload contains characters that are not base64'}
  const pairs = signature
    .split('&')
    .filter((pair) => pair.includes('|'))
    .map((pair) => pair.split('|'))
  const mine = pairs.find(([publicKey]) => publicKey === keys.publicKey)
  if (!mine) return {ok: false, reason: 'no signature for this public key'}
  const given = mine[1] ?? ''
  const matches = [payload, `${payload}\n`].some((data) => sameHex(given, braintreeSignature(keys.privateKey, data)))
  return matches ? {ok: true} : {ok: false, reason: 'signature does not match the payload'}
}

function textOf(value: unknown): string | null {
  return typeof value === 'string' && value !== '' ? value : typeof value === 'number' ? String(value) : null
}

export function verifyBraintreeWebhook(
  req: WebhookRequest,
  keys: {publicKey: string; privateKey: string | undefined},
  ctx: TranslateContext,
): WebhookVerification {
  if (!keys.privateKey) return {ok: false, reason: 'no private_key is configured for this provider'}
  const form = new URLSearchParams(req.rawBody.toString('utf8'))
  const signature = form.get('bt_signature') ?? ''
  const payload = form.get('bt_payload') ?? ''
  const verified = verifyBraintreeSignature(signature, payload, {
    publicKey: keys.publicKey,
    privateKey: keys.privateKey,
  })
  if (!verified.ok) return verified

  const xml = Buffer.from(payload, 'base64').toString('utf8')
  const parsed = parseBraintreeXml(xml)
  // Signed but unreadable: acknowledge it (a retry would be just as unreadable) and keep it in quarantine.
  const invalid = (detail: string, dedupKey: string): WebhookVerification => ({
    ok: true,
    dedupKey,
    events: [invalidEvent(null, detail, xml)],
  })
  const digest = createHash('sha256').update(payload.replace(/\n$/, '')).digest('hex').slice(0, 32)
  if (!parsed.ok) return invalid(`bt_payload: ${parsed.reason}`, `unreadable:${digest}`)
  if (parsed.root !== 'notification' || !isXmlObject(parsed.value))
    return invalid(`bt_payload root is <${parsed.root}>, not <notification>`, `unreadable:${digest}`)
  const n = parsed.value
  const kind = textOf(n.kind)
  const timestamp = textOf(n.timestamp)
  if (!kind) return invalid('notification has no kind', `unreadable:${digest}`)
  const subject = isXmlObject(n.subject) ? n.subject : {}

  let subjectId: string | null = null
  const events: WebhookEvent[] = []
  if (isXmlObject(subject.transaction)) {
    subjectId = textOf(subject.transaction.id)
    const t = translateTransaction(subject.transaction, ctx)
    events.push(t.ok ? {kind: 'txn', item: t.item} : {kind: 'invalid', item: t.item})
  } else if (isXmlObject(subject.dispute)) {
    subjectId = textOf(subject.dispute.id)
    const d = translateDispute(subject.dispute, ctx)
    events.push(d.ok ? {kind: 'txn', item: d.item} : {kind: 'invalid', item: d.item})
  } else {
    // check, disbursement, subscription … : recorded, nothing to post; a pull picks up any money movement.
    const first = Object.values(subject).find(isXmlObject)
    subjectId = first ? textOf(first.id) : null
    events.push({kind: 'signal', name: kind, data: subjectId ? {id: subjectId} : {}})
  }
  // Without a timestamp (never seen from Braintree, but the reference vector has none) the payload itself identifies it.
  return {ok: true, dedupKey: `${kind}:${subjectId ?? ''}:${timestamp ?? digest}`, events}
}
