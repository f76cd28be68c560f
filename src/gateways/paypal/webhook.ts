import {readFileSync} from 'node:fs'
import type {KeyObject} from 'node:crypto'

import type {WebhookEvent, WebhookRequest, WebhookVerification} from '../types.js'
import type {Clock} from '../../core/clock.js'
import {WebhookEnvelopeSchema} from './schema.js'
import {parseSignedJson} from '../signed-body.js'
import {AUTH_ALGO, HEADERS, publicKeyFromPem, signedMessage, verifyMessage} from './signature.js'
import {paypalTimeToIso} from './time.js'
import type {Translation} from '../translate-kit.js'
import {type TranslateContext, translateCapture, translateDispute, translateRefundResource} from './translate.js'

/**
 * PayPal webhooks (docs/gateways.md#paypal-webhooks). Two ways to check the signature, chosen by configuration:
 * - offline, when a certificate (or public key) PEM is configured (`webhook_cert_pem_file`): RSA-SHA256 over
 *   `transmission_id|transmission_time|webhook_id|crc32(body)`. The cert_url header is NOT fetched: a URL
 *   chosen by the sender cannot vouch for itself. PayPal rotates its certificate; the admin updates the file.
 * - otherwise PayPal's verification API (`POST /v1/notifications/verify-webhook-signature`), which checks the
 *   cert_url itself. The raw body is spliced in as `webhook_event` byte for byte, so PayPal's CRC sees exactly
 *   what it signed (re-serializing the parsed JSON can change it).
 * Either way `transmission_time` must be within TOLERANCE_MS of our clock: it is signed, and each retry by
 * PayPal (up to 25 over 3 days) is a new transmission with its own id, time and signature, so a fresh delivery
 * is never refused while a captured one cannot be replayed later. De-duplication is on the event `id`.
 */
export const TOLERANCE_MS = 5 * 60_000

export interface WebhookVerifier {
  webhookId: string | undefined
  /** The offline verification key, or null to ask PayPal; throws when the configured file cannot be used. */
  key(): KeyObject | null
  clock: Clock
  /** Calls PayPal's verification API with the request body (JSON text); true on SUCCESS. */
  verifyOnline(body: string): Promise<boolean>
}

/**
 * The key in `webhook_cert_pem_file`, read on first use and kept (null when no file is configured). A file that
 * cannot be read is tried again on the next delivery, so fixing it needs no restart.
 */
export function pemFileKey(file: string | undefined): () => KeyObject | null {
  let key: KeyObject | null | undefined
  return () => {
    if (key !== undefined) return key
    try {
      key = file ? publicKeyFromPem(readFileSync(file, 'utf8')) : null
    } catch (error) {
      throw new Error(`webhook_cert_pem_file ${file} cannot be used: ${(error as Error).message}`)
    }
    return key
  }
}

type Route = (resource: unknown, ctx: TranslateContext) => Translation
const ROUTES: Record<string, Route> = {
  'PAYMENT.CAPTURE.COMPLETED': (r, ctx) => translateCapture(r, ctx),
  'PAYMENT.CAPTURE.PENDING': (r, ctx) => translateCapture(r, ctx),
  'PAYMENT.CAPTURE.DENIED': (r, ctx) => translateCapture(r, ctx),
  'PAYMENT.CAPTURE.REFUNDED': translateRefundResource,
  'PAYMENT.CAPTURE.REVERSED': translateRefundResource,
  'CUSTOMER.DISPUTE.CREATED': translateDispute,
  'CUSTOMER.DISPUTE.UPDATED': translateDispute,
  'CUSTOMER.DISPUTE.RESOLVED': translateDispute,
}

export async function verifyPaypalWebhook(
  req: WebhookRequest,
  verifier: WebhookVerifier,
  ctx: TranslateContext,
): Promise<WebhookVerification> {
  const check = await checkSignature(req, verifier)
  return check.ok ? translateDelivery(req.rawBody, ctx) : check
}

type SignatureCheck = {ok: true} | {ok: false; reason: string}

async function checkSignature(req: WebhookRequest, verifier: WebhookVerifier): Promise<SignatureCheck> {
  let key: KeyObject | null
  try {
    key = verifier.key()
  } catch (error) {
    return {ok: false, reason: (error as Error).message}
  }
  const h = (name: string): string | undefined => req.headers[name]?.trim() || undefined
  const [algo, certUrl, id, sig, time] = [
    h(HEADERS.algo),
    h(HEADERS.certUrl),
    h(HEADERS.id),
    h(HEADERS.sig),
    h(HEADERS.time),
  ]
  const missing = Object.entries({
    [HEADERS.algo]: algo,
    [HEADERS.certUrl]: certUrl,
    [HEADERS.id]: id,
    [HEADERS.sig]: sig,
    [HEADERS.time]: time,
  })
    .filter(([, v]) => v === undefined)
    .map(([k]) => k)
  if (missing.length > 0) return {ok: false, reason: `missing header(s): ${missing.join(', ')}`}
  if (algo !== AUTH_ALGO)
    return {ok: false, reason: `unsupported ${HEADERS.algo} ${JSON.stringify(algo)} (expected ${AUTH_ALGO})`}
  if (!verifier.webhookId)
    return {
      ok: false,
      reason:
        'the webhook_id setting (the id PayPal gave the webhook subscription) is required to verify PayPal webhooks',
    }
  const sentAt = paypalTimeToIso(time!)
  if (sentAt === null) return {ok: false, reason: `${HEADERS.time} ${JSON.stringify(time)} is not a timestamp`}
  const skew = verifier.clock.now() - Date.parse(sentAt)
  if (Math.abs(skew) > TOLERANCE_MS) {
    return {
      ok: false,
      reason: `${HEADERS.time} is ${Math.round(skew / 1000)} s from now, outside the ±${TOLERANCE_MS / 1000} s tolerance (stale or replayed delivery)`,
    }
  }
  if (key) {
    const matches = verifyMessage(signedMessage(id!, time!, verifier.webhookId, req.rawBody), sig!, key)
    return matches
      ? {ok: true}
      : {
          ok: false,
          reason:
            'signature mismatch (wrong webhook_id, a certificate that is not the one PayPal signs with, or a modified body)',
        }
  }
  const text = req.rawBody.toString('utf8')
  // Only a JSON object can be spliced safely; anything else cannot have been signed by PayPal as an event.
  if (!/^\s*\{[\s\S]*\}\s*$/.test(text)) return {ok: false, reason: 'body is not a JSON object'}
  const head = JSON.stringify({
    auth_algo: algo,
    cert_url: certUrl,
    transmission_id: id,
    transmission_sig: sig,
    transmission_time: time,
    webhook_id: verifier.webhookId,
  })
  let verified: boolean
  try {
    verified = await verifier.verifyOnline(`${head.slice(0, -1)},"webhook_event":${text}}`)
  } catch (error) {
    return {ok: false, reason: `PayPal's verification API could not be asked: ${(error as Error).message}`}
  }
  return verified ? {ok: true} : {ok: false, reason: 'PayPal verification API answered FAILURE'}
}

/** A delivery whose signature checked out: its event translated, or a signal for an event type yms-pay does not post. */
function translateDelivery(rawBody: Buffer, ctx: TranslateContext): WebhookVerification {
  const parsed = parseSignedJson(rawBody, WebhookEnvelopeSchema)
  if (!parsed.ok) return parsed.verification
  const {body} = parsed
  const {id: eventId, event_type: type, resource} = parsed.value
  const route = ROUTES[type]
  if (!route) {
    const resourceId = typeof resource.id === 'string' ? resource.id : undefined
    return {
      ok: true,
      dedupKey: eventId,
      events: [
        {kind: 'signal', name: type, data: resourceId ? {event_id: eventId, id: resourceId} : {event_id: eventId}},
      ],
    }
  }
  const translated = route(resource, ctx)
  // A capture names no payer: whose payment it is comes from its order, read from PayPal (fetch-capture.ts).
  if (translated.ok && translated.item.txn.type === 'payment' && translated.item.txn.customerRef === null)
    return {
      ok: true,
      dedupKey: eventId,
      events: [{kind: 'fetch', ref: {object: 'capture', id: translated.item.txn.externalId}}],
    }
  const event: WebhookEvent = translated.ok
    ? {kind: 'txn', item: {txn: translated.item.txn, raw: body}}
    : {kind: 'invalid', item: {...translated.item, raw: body}}
  return {ok: true, dedupKey: eventId, events: [event]}
}
