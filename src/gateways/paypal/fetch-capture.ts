import type {FetchedTxn, Quarantined} from '../../core/transaction.js'
import {collect} from '../translate-kit.js'
import type {FetchedObjects, ObjectRef} from '../types.js'
import {PaypalApiError} from './api-error.js'
import type {PaypalApi} from './api.js'
import {CaptureSchema, OrderSchema} from './schema.js'
import {type TranslateContext, translateCapture} from './translate.js'

/**
 * A capture a PAYMENT.CAPTURE.* webhook names (docs/gateways.md#paypal-webhooks). The capture names no payer, so a
 * webhook alone cannot say whose payment it is: yms-pay reads the capture (its state now) and the order its `up`
 * link names (`GET /v2/checkout/orders/{id}`: `payer.payer_id`, the customer's PayPal id). A capture that cannot
 * be read back (404) is quarantined with what is known, never dropped.
 */
export async function fetchPaypalCapture(
  api: PaypalApi,
  ctx: TranslateContext,
  ref: ObjectRef,
  signal?: AbortSignal,
): Promise<FetchedObjects> {
  if (ref.object !== 'capture') throw new Error(`paypal: cannot fetch a ${ref.object} named by a webhook`)
  const out: {items: FetchedTxn[]; invalid: Quarantined[]} = {items: [], invalid: []}
  const raw = await readOr404(() =>
    api.get(`/v2/payments/captures/${encodeURIComponent(ref.id)}`, undefined, 'GET /v2/payments/captures/{id}', signal),
  )
  if (raw === null) {
    const detail = `capture ${ref.id} named by a webhook could not be read back (HTTP 404); its payer is unknown`
    out.invalid.push({externalId: ref.id, reason: 'invalid_payload', detail, raw: {id: ref.id}})
    return out
  }
  collect(translateCapture(raw, ctx, await payerOf(api, raw, signal)), out)
  return out
}

/** The payer of the order that a capture's `up` link names, or null (no link, no order, no payer). */
async function payerOf(api: PaypalApi, capture: unknown, signal?: AbortSignal): Promise<string | null> {
  const parsed = CaptureSchema.safeParse(capture)
  const up = parsed.success ? parsed.data.links?.find((l) => l.rel === 'up')?.href : undefined
  const orderId = up ? /\/v2\/checkout\/orders\/([^/?#]+)/.exec(up)?.[1] : undefined
  if (!orderId) return null
  const raw = await readOr404(() =>
    api.get(`/v2/checkout/orders/${orderId}`, undefined, 'GET /v2/checkout/orders/{id}', signal),
  )
  const order = OrderSchema.safeParse(raw)
  return order.success ? (order.data.payer?.payer_id ?? null) : null
}

async function readOr404(read: () => Promise<unknown>): Promise<unknown> {
  try {
    return await read()
  } catch (error) {
    if (error instanceof PaypalApiError && error.status === 404) return null
    throw error
  }
}
