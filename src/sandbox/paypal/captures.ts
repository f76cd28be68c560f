import type {EmulatorRequest, EmulatorResponse} from '../emulator.js'
import {paymentStateAt, type ScenarioPayment} from '../model.js'
import {renderCapture} from './render.js'
import {json, notFound} from './responses.js'
import type {PaypalWorld} from './world.js'

/**
 * `GET /v2/payments/captures/{id}` and `GET /v2/checkout/orders/{id}` for the world's payments (PP
 * payments_payment_v2.json, checkout_orders_v2.json): the capture as it is now, and the order that holds it, whose
 * `payer` says whose payment it is. What is not visible yet by the clock does not exist.
 */
export function getCapture(world: PaypalWorld, req: EmulatorRequest, id: string): EmulatorResponse {
  const payment = visible(world, world.paymentByCapture(id))
  if (!payment) return notFound()
  return json(200, renderCapture(payment, world.ids, world.nowIso(), world.base(req)))
}

export function getOrder(world: PaypalWorld, req: EmulatorRequest, id: string): EmulatorResponse {
  const waiting = world.unapprovedOrders.get(id)
  if (waiting) return json(200, waiting)
  const payment = visible(world, world.paymentByOrder(id))
  if (!payment) return notFound()
  const customer = world.customers.get(payment.customer)
  const now = world.nowIso()
  const capture = renderCapture(payment, world.ids, now, world.base(req))
  return json(200, {
    id,
    status: 'COMPLETED',
    intent: 'CAPTURE',
    ...(customer ? {payer: {payer_id: customer.refs.paypal, email_address: customer.email}} : {}),
    purchase_units: [{reference_id: 'default', amount: capture.amount, payments: {captures: [capture]}}],
    create_time: payment.createdAt,
    update_time: capture.update_time,
    links: [{href: `${world.base(req)}/v2/checkout/orders/${id}`, rel: 'self', method: 'GET'}],
  })
}

function visible(world: PaypalWorld, payment: ScenarioPayment | undefined): ScenarioPayment | undefined {
  return payment && paymentStateAt(payment, world.nowIso()).visible ? payment : undefined
}
