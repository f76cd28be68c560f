import type {SignedWebhook} from '../emulator.js'
import type {ScenarioEvent} from '../model.js'
import {datetime, renderDispute, renderTransaction} from './render.js'
import {braintreeIdFor, disputeStatusAt, statusAt, type World} from './world.js'
import {el} from './xml-writer.js'
import {signBraintreePayload} from '../../gateways/braintree/webhook.js'

/**
 * Braintree's webhooks (docs/gateways.md#braintree-webhooks): a form POST of `bt_signature` and a base64
 * `bt_payload` with a trailing newline, as the SDK's testing gateway makes them. Braintree announces settlement,
 * settlement declines and dispute changes; it has no webhook for a sale being created or declined, nor for
 * refunds (only refund_failed): those are seen by the pull.
 */
export function braintreeWebhooks(
  world: World,
  keys: {publicKey: string; privateKey: string},
  events: readonly ScenarioEvent[],
): SignedWebhook[] {
  const notify = (kind: string, at: number, subject: string, subjectId: string) =>
    notification(keys, kind, at, subject, subjectId)
  const out: SignedWebhook[] = []
  for (const e of events) {
    const at = Date.parse(e.at)
    const sale = world.byId.get(braintreeIdFor('payment', e.payment.key))
    if (!sale) continue
    const status = statusAt(sale, at)?.status
    if ((e.type === 'payment.created' || e.type === 'payment.succeeded') && status === 'settled') {
      out.push(notify('transaction_settled', at, renderTransaction(sale, at), sale.id))
    } else if (e.type === 'payment.failed' && status === 'settlement_declined') {
      out.push(notify('transaction_settlement_declined', at, renderTransaction(sale, at), sale.id))
    } else if ((e.type === 'dispute.opened' || e.type === 'dispute.closed') && sale.disputes[0]) {
      const d = sale.disputes[0]
      const state = disputeStatusAt(d, at)
      if (!state) continue
      const kind = e.type === 'dispute.opened' ? 'dispute_opened' : `dispute_${state.status}`
      out.push(notify(kind, at, renderDispute(d, at), d.id))
    }
  }
  return out
}

/** One signed notification. Braintree signs the payload only, not the destination. */
function notification(
  keys: {publicKey: string; privateKey: string},
  kind: string,
  at: number,
  subject: string,
  subjectId: string,
): SignedWebhook {
  const timestamp = datetime(at)
  const doc = `<notification>${el('timestamp', timestamp, {type: 'datetime'})}${el('kind', kind)}<subject>${subject}</subject></notification>`
  const payload = `${Buffer.from(doc).toString('base64')}\n`
  const body = new URLSearchParams({
    bt_signature: signBraintreePayload(keys.publicKey, keys.privateKey, payload),
    bt_payload: payload,
  }).toString()
  return {
    at: new Date(at).toISOString(),
    dedupId: `${kind}:${subjectId}:${timestamp}`,
    headers: {'content-type': 'application/x-www-form-urlencoded'},
    body,
  }
}
