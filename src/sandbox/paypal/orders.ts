import {isSupportedCurrency} from '../../core/currency.js'
import {parseGatewayDecimal} from '../../core/money.js'
import type {Decision, Money} from '../../core/transaction.js'
import {MoneyError} from '../../core/errors.js'
import type {EmulatorRequest, EmulatorResponse} from '../emulator.js'
import {type ChargeScript, type ChargeStep, declineOf} from '../charge-rules.js'
import {sandboxFee} from '../fees.js'
import {DECLINE_REASONS, type DeclineReason, type ScenarioCustomer, type ScenarioPayment} from '../model.js'
import {facts} from '../../gateways/paypal/facts.js'
import {renderCapture} from './render.js'
import {invalidRequest, json, notFound, unprocessable} from './responses.js'
import type {PaypalWorld} from './world.js'

/**
 * `POST /v2/checkout/orders` and `POST /v2/checkout/orders/{id}/capture`. An order with
 * `payment_source.paypal.vault_id` is created and captured in one call: a scenario customer's vaulted wallet
 * succeeds (payer = that customer) unless a charge rule (charge-rules.ts) says otherwise; `decline-<reason>` (a
 * scenario decline reason) fails with DECLINES' code;
 * anything else is RESOURCE_NOT_FOUND. An order without a payment source stays CREATED and its capture fails
 * ORDER_NOT_APPROVED.
 *
 * PayPal reports no retryable instrument decline: "the payer must choose another funding source". So every
 * neutral reason maps to a terminal code (docs/gateways.md#paypal-declines); the search API's status D carries
 * no reason at all, which is why the adapter reads a D row as PAYMENT_DENIED, also terminal.
 */
export const DECLINES: Record<DeclineReason, {code: string; decision: Decision}> = {
  insufficient_funds: {code: 'INSTRUMENT_DECLINED', decision: 'terminal'},
  generic: {code: 'TRANSACTION_REFUSED', decision: 'terminal'},
  issuer_unavailable: {code: 'TRANSACTION_REFUSED', decision: 'terminal'},
  expired_card: {code: 'CARD_EXPIRED', decision: 'terminal'},
  stolen_card: {code: 'PAYMENT_DENIED', decision: 'terminal'},
}

interface OrderBody {
  intent?: unknown
  purchase_units?: {amount?: {currency_code?: unknown; value?: unknown}; invoice_id?: unknown; custom_id?: unknown}[]
  payment_source?: {paypal?: {vault_id?: unknown}}
}

interface OrderRequest {
  body: OrderBody
  unit: NonNullable<OrderBody['purchase_units']>[number]
  amount: Money
}

const AMOUNT_FIELD = "/purchase_units/@reference_id=='default'/amount"

/** The answer, and the scripted step that decided it (its delivery is the caller's to honour). */
export interface OrderAnswer {
  response: EmulatorResponse
  step?: ChargeStep
}

export function createOrder(world: PaypalWorld, req: EmulatorRequest, script?: ChargeScript): OrderAnswer {
  const order = readOrder(req)
  if ('status' in order) return {response: order}
  const vault = order.body.payment_source?.paypal?.vault_id
  const customer = typeof vault === 'string' ? world.byVault.get(vault) : undefined
  const scripted = customer && script?.next('paypal', {paymentMethod: vault as string, customer: customer.id})
  const reason = scripted ? declineOf(scripted.step) : null
  const response = !scripted
    ? orderOutcome(world, req, order)
    : reason
      ? instrumentDeclined(reason)
      : chargeVault(world, req, order, customer, nextOrderNumber(world))
  // A vaulted wallet was charged (201) or its funding declined (422): the emulator's record of the charge.
  if (script && typeof vault === 'string' && (response.status === 201 || response.status === 422)) {
    const approved = response.status === 201
    script.record({
      gateway: 'paypal',
      externalId: approved ? world.ids.payment(world.created.at(-1)!.key) : null,
      paymentMethod: vault,
      customer: customer?.id ?? null,
      amount: order.amount,
      approved,
      reference: typeof order.unit.invoice_id === 'string' ? order.unit.invoice_id : null,
      at: world.nowIso(),
    })
  }
  return scripted ? {response, step: scripted.step} : {response}
}

function nextOrderNumber(world: PaypalWorld): number {
  return world.created.length + world.unapprovedOrders.size + 1
}

function instrumentDeclined(reason: DeclineReason): EmulatorResponse {
  return unprocessable({
    issue: DECLINES[reason].code,
    description: `The instrument presented was declined (${reason}).`,
  })
}

function orderOutcome(world: PaypalWorld, req: EmulatorRequest, order: OrderRequest): EmulatorResponse {
  const n = nextOrderNumber(world)
  const vault = order.body.payment_source?.paypal?.vault_id
  if (vault === undefined) return leaveUnapproved(world, req, order, n)
  if (typeof vault !== 'string')
    return invalidRequest({
      field: '/payment_source/paypal/vault_id',
      location: 'body',
      issue: 'INVALID_PARAMETER_SYNTAX',
    })
  const declined = /^decline-(.+)$/.exec(vault)
  if (declined) {
    const reason = declined[1] as DeclineReason
    if (!(DECLINE_REASONS as readonly string[]).includes(reason)) return notFound()
    return instrumentDeclined(reason)
  }
  const customer = world.byVault.get(vault)
  return customer ? chargeVault(world, req, order, customer, n) : notFound()
}

export function captureOrder(world: PaypalWorld, id: string): EmulatorResponse {
  if (!world.unapprovedOrders.has(id)) return notFound()
  return unprocessable({issue: 'ORDER_NOT_APPROVED', description: 'Payer has not yet approved the Order for payment.'})
}

/** The order request, or the 400/422 PayPal answers for it. */
function readOrder(req: EmulatorRequest): OrderRequest | EmulatorResponse {
  let body: OrderBody
  try {
    body = JSON.parse(req.rawBody.toString('utf8'))
  } catch {
    return invalidRequest({
      issue: 'MALFORMED_REQUEST_JSON',
      location: 'body',
      description: 'The request JSON is not well formed.',
    })
  }
  if (body.intent !== 'CAPTURE' && body.intent !== 'AUTHORIZE')
    return invalidRequest({
      field: '/intent',
      location: 'body',
      issue: 'INVALID_PARAMETER_VALUE',
      value: String(body.intent),
    })
  const unit = body.purchase_units?.[0]
  const currency = unit?.amount?.currency_code
  const value = unit?.amount?.value
  if (typeof currency !== 'string' || typeof value !== 'string')
    return invalidRequest({field: AMOUNT_FIELD, location: 'body', issue: 'MISSING_REQUIRED_PARAMETER'})
  if (!isSupportedCurrency(currency))
    return unprocessable({
      field: `${AMOUNT_FIELD}/currency_code`,
      value: currency,
      location: 'body',
      issue: 'CURRENCY_NOT_SUPPORTED',
    })
  let amount: Money
  try {
    amount = parseGatewayDecimal(value, currency, facts.wire)
  } catch (error) {
    if (!(error instanceof MoneyError)) throw error
    return unprocessable({
      field: `${AMOUNT_FIELD}/value`,
      value,
      location: 'body',
      issue: 'DECIMALS_NOT_SUPPORTED',
      description: 'Currency code does not support decimals.',
    })
  }
  if (amount.minor <= 0)
    return unprocessable({field: `${AMOUNT_FIELD}/value`, value, location: 'body', issue: 'CANNOT_BE_ZERO_OR_NEGATIVE'})
  return {body, unit: unit!, amount}
}

function leaveUnapproved(world: PaypalWorld, req: EmulatorRequest, order: OrderRequest, n: number): EmulatorResponse {
  const orderId = world.ids.order(`created:${n}`)
  const body = {
    id: orderId,
    status: 'CREATED',
    intent: order.body.intent,
    purchase_units: order.body.purchase_units,
    create_time: world.nowIso(),
    links: [{href: `${world.base(req)}/checkoutnow?token=${orderId}`, rel: 'payer-action', method: 'GET'}],
  }
  world.unapprovedOrders.set(orderId, body)
  return json(201, body)
}

/** Creates and captures in one call: the payment joins the world (search rows, webhooks). */
function chargeVault(
  world: PaypalWorld,
  req: EmulatorRequest,
  order: OrderRequest,
  customer: ScenarioCustomer,
  n: number,
): EmulatorResponse {
  const {amount, unit} = order
  const at = world.nowIso()
  let fee = {minor: 0, currency: amount.currency}
  try {
    fee = {minor: sandboxFee(amount.minor, amount.currency), currency: amount.currency}
  } catch {
    // Currencies outside the sandbox's fee profiles are charged no fee.
  }
  const payment: ScenarioPayment = {
    key: `o${String(n).padStart(6, '0')}`,
    gateway: 'paypal',
    customer: customer.id,
    invoice: typeof unit.invoice_id === 'string' ? unit.invoice_id : null,
    amount,
    fee,
    createdAt: at,
    settledAt: null,
    outcome: 'succeeded',
    decline: null,
    refunds: [],
    dispute: null,
  }
  world.addCreated(payment)
  const orderId = world.ids.order(payment.key)
  return json(201, {
    id: orderId,
    status: 'COMPLETED',
    intent: order.body.intent,
    payment_source: {
      paypal: {email_address: customer.email, account_id: customer.refs.paypal, account_status: 'VERIFIED'},
    },
    payer: {
      payer_id: customer.refs.paypal,
      email_address: customer.email,
      name: {given_name: customer.name.split(' ')[0], surname: customer.name.split(' ').slice(1).join(' ')},
    },
    purchase_units: [
      {
        reference_id: 'default',
        amount: unit.amount,
        payments: {captures: [renderCapture(payment, world.ids, at, world.base(req))]},
      },
    ],
    create_time: at,
    update_time: at,
    links: [{href: `${world.base(req)}/v2/checkout/orders/${orderId}`, rel: 'self', method: 'GET'}],
  })
}
