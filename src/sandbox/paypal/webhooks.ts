import {generateKeyPairSync, type KeyObject, randomUUID} from 'node:crypto'

import type {EmulatorRequest, EmulatorResponse, SignedWebhook} from '../emulator.js'
import type {ScenarioEvent} from '../model.js'
import {AUTH_ALGO, HEADERS, signedMessage, signMessage, verifyMessage} from '../../gateways/paypal/signature.js'
import {derive} from './ids.js'
import {renderCapture, renderDispute, renderRefund} from './render.js'
import {invalidRequest, json, ppError} from './responses.js'
import type {PaypalWorld} from './world.js'

/**
 * PayPal webhooks (docs/gateways.md#paypal-webhooks): the envelope, the PAYPAL-* transmission headers and an
 * RSA-SHA256 signature over `transmission_id|transmission_time|webhook_id|crc32(body)`; the verification API
 * (`POST /v1/notifications/verify-webhook-signature`); and the key served at the cert URL.
 *
 * The certificate endpoint serves a PUBLIC KEY PEM, not an X.509 certificate: node:crypto cannot mint
 * certificates, and the adapter's offline verifier accepts either (signature.ts publicKeyFromPem).
 * The PAYPAL-CERT-URL is absolute when the world knows its base URL, else the path alone, which the adapter
 * never fetches.
 */
export interface WebhookSigner {
  webhookId: string
  certPath: string
  publicKeyPem: string
  publicKey: KeyObject
  privateKey: KeyObject
}

export function createWebhookSigner(seed: number): WebhookSigner {
  const {privateKey, publicKey} = generateKeyPairSync('rsa', {modulusLength: 2048})
  return {
    webhookId: derive(seed, 'webhook-id', 17),
    certPath: `/v1/notifications/certs/CERT-360caa42-fca2a594-${derive(seed, 'cert', 8, '0123456789abcdef')}`,
    publicKeyPem: publicKey.export({type: 'spki', format: 'pem'}).toString(),
    publicKey,
    privateKey,
  }
}

interface Announcement {
  type: string
  resourceType: string
  resource: Record<string, unknown>
  /** Names the event id: the same scenario event always gets the same id. */
  label: string
}

function announce(world: PaypalWorld, e: ScenarioEvent): Announcement {
  const {ids} = world
  const dispute = (type: string, leg: string): Announcement => ({
    type,
    resourceType: 'dispute',
    resource: renderDispute(e.payment, world.customers.get(e.payment.customer), ids, e.at, world.base(), true)!,
    label: `${e.payment.dispute!.key}:${leg}`,
  })
  const capture = (leg: string, type?: string): Announcement => {
    const resource = renderCapture(e.payment, ids, e.at, world.base())
    // payment.created names no state: a new payment is announced as it stands (pending, declined or completed).
    type ??=
      resource.status === 'PENDING'
        ? 'PAYMENT.CAPTURE.PENDING'
        : resource.status === 'DECLINED'
          ? 'PAYMENT.CAPTURE.DENIED'
          : 'PAYMENT.CAPTURE.COMPLETED'
    return {type, resourceType: 'capture', resource, label: `${e.payment.key}:${leg}`}
  }
  switch (e.type) {
    case 'payment.created':
      return capture('created')
    case 'payment.succeeded':
      return capture('succeeded', 'PAYMENT.CAPTURE.COMPLETED')
    case 'payment.failed':
      return capture('failed', 'PAYMENT.CAPTURE.DENIED')
    case 'refund.created':
      return {
        type: 'PAYMENT.CAPTURE.REFUNDED',
        resourceType: 'refund',
        resource: renderRefund(e.payment, e.refund!.key, ids, world.base()),
        label: `${e.refund!.key}:refunded`,
      }
    case 'dispute.opened':
      return dispute('CUSTOMER.DISPUTE.CREATED', 'created')
    case 'dispute.closed':
      return dispute('CUSTOMER.DISPUTE.RESOLVED', 'resolved')
  }
}

/** Webhooks for these events, signed now (the transmission time is the clock's). */
export function signedWebhooks(
  world: PaypalWorld,
  signer: WebhookSigner,
  events: readonly ScenarioEvent[],
): SignedWebhook[] {
  return events.map((e) => {
    const {type, resourceType, resource, label} = announce(world, e)
    const id = world.ids.event(label)
    const body = JSON.stringify({
      id,
      event_version: '1.0',
      create_time: e.at,
      resource_type: resourceType,
      resource_version: '2.0',
      event_type: type,
      summary: `${type} for ${String(resource.id ?? resource.dispute_id)}`,
      resource,
      links: [
        {href: `${world.base()}/v1/notifications/webhooks-events/${id}`, rel: 'self', method: 'GET'},
        {href: `${world.base()}/v1/notifications/webhooks-events/${id}/resend`, rel: 'resend', method: 'POST'},
      ],
    })
    const transmissionId = randomUUID()
    const transmissionTime = new Date(world.clock.now()).toISOString().replace(/\.\d{3}Z$/, 'Z')
    return {
      at: e.at,
      dedupId: id,
      body,
      headers: {
        'content-type': 'application/json',
        [HEADERS.algo]: AUTH_ALGO,
        [HEADERS.certUrl]: `${world.base()}${signer.certPath}`,
        [HEADERS.id]: transmissionId,
        [HEADERS.time]: transmissionTime,
        [HEADERS.sig]: signMessage(
          signedMessage(transmissionId, transmissionTime, signer.webhookId, body),
          signer.privateKey,
        ),
      },
    }
  })
}

/** `GET` of the cert URL: the verification key. */
export function certificate(signer: WebhookSigner): EmulatorResponse {
  return {status: 200, headers: {'content-type': 'application/x-pem-file'}, body: signer.publicKeyPem}
}

/** `POST /v1/notifications/verify-webhook-signature`: SUCCESS when the delivery is one this emulator signed. */
export function verifySignature(signer: WebhookSigner, req: EmulatorRequest): EmulatorResponse {
  let body: Record<string, unknown>
  try {
    body = JSON.parse(req.rawBody.toString('utf8'))
  } catch {
    return invalidRequest({issue: 'MALFORMED_REQUEST_JSON', location: 'body'})
  }
  for (const field of [
    'auth_algo',
    'cert_url',
    'transmission_id',
    'transmission_sig',
    'transmission_time',
    'webhook_id',
    'webhook_event',
  ]) {
    if (body[field] === undefined || body[field] === null)
      return ppError(400, 'VALIDATION_ERROR', 'Invalid request - see details', [
        {field, location: 'body', issue: 'MISSING_REQUIRED_PARAMETER'},
      ])
  }
  const ok =
    body.auth_algo === AUTH_ALGO &&
    body.webhook_id === signer.webhookId &&
    typeof body.cert_url === 'string' &&
    body.cert_url.endsWith(signer.certPath) &&
    verifyMessage(
      signedMessage(
        String(body.transmission_id),
        String(body.transmission_time),
        signer.webhookId,
        JSON.stringify(body.webhook_event),
      ),
      String(body.transmission_sig),
      signer.publicKey,
    )
  return json(200, {verification_status: ok ? 'SUCCESS' : 'FAILURE'})
}
