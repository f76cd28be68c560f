import {SIGNATURE_HEADER, squareSignature} from '../../gateways/square/webhook.js'
import type {SignedWebhook} from '../emulator.js'
import type {ScenarioEvent} from '../model.js'
import {deriveUuid} from './derive.js'
import {renderDispute, renderPayment, renderRefund} from './render.js'
import type {SquareWorld} from './world.js'

type ObjectType = 'payment' | 'refund' | 'dispute'

/**
 * The deliveries Square makes for scenario events (docs/gateways.md#square-webhooks), signed for `targetUrl`
 * with the account's signature key. Event ids are derived, so a redelivery carries the same event_id.
 */
export function squareWebhooks(
  world: SquareWorld,
  signatureKey: string,
  events: readonly ScenarioEvent[],
  targetUrl: string,
): SignedWebhook[] {
  const {seed} = world
  const signed = (
    type: string,
    at: string,
    objectType: ObjectType,
    object: Record<string, unknown>,
    ...idParts: string[]
  ): SignedWebhook => signedEvent({world, signatureKey, targetUrl}, {type, at, objectType, object}, idParts)
  const out: SignedWebhook[] = []
  for (const e of events) {
    const rec = world.recordFor(e.payment)
    const paymentNow = () => renderPayment(rec, e.at, seed)
    switch (e.type) {
      case 'payment.created':
        out.push(signed('payment.created', e.at, 'payment', paymentNow(), rec.id))
        break
      case 'payment.succeeded':
      case 'payment.failed':
        out.push(signed('payment.updated', e.at, 'payment', paymentNow(), rec.id))
        break
      case 'refund.created': {
        if (!e.refund) break
        out.push(signed('refund.created', e.at, 'refund', renderRefund(rec, e.refund), e.refund.key))
        // Square also announces the payment's new refunded_money.
        out.push(signed('payment.updated', e.at, 'payment', paymentNow(), rec.id, e.refund.key))
        break
      }
      case 'dispute.opened':
      case 'dispute.closed': {
        const dispute = renderDispute(rec, e.at, seed)
        if (dispute)
          out.push(
            signed(
              e.type === 'dispute.opened' ? 'dispute.created' : 'dispute.state.updated',
              e.at,
              'dispute',
              dispute,
              String(dispute.id),
            ),
          )
        break
      }
    }
  }
  return out
}

function signedEvent(
  to: {world: SquareWorld; signatureKey: string; targetUrl: string},
  event: {type: string; at: string; objectType: ObjectType; object: Record<string, unknown>},
  idParts: string[],
): SignedWebhook {
  const {type, at, objectType, object} = event
  const eventId = deriveUuid(to.world.seed, 'event', type, at, ...idParts)
  const body = JSON.stringify({
    merchant_id: to.world.merchantId,
    type,
    event_id: eventId,
    created_at: at,
    data: {type: objectType, id: String(object.id), object: {[objectType]: object}},
  })
  return {
    at,
    dedupId: eventId,
    body,
    headers: {
      'content-type': 'application/json',
      [SIGNATURE_HEADER]: squareSignature(to.signatureKey, to.targetUrl, body),
      'square-environment': 'Sandbox',
      'square-initial-delivery-timestamp': at,
      'square-retry-number': '0',
      'user-agent': 'Square Connect v2',
    },
  }
}
