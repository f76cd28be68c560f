import {createHash} from 'node:crypto'

import {fromGatewayMinor} from '../../core/money.js'
import {MoneyError} from '../../core/errors.js'
import {type ChargeScript, type ChargeStep, declineOf} from '../charge-rules.js'
import {sandboxFee} from '../fees.js'
import {type DeclineReason, paymentStateAt, type ScenarioCustomer, type ScenarioPayment} from '../model.js'
import {type ChargeEntry, declineError, STRIPE_DECLINES, type StripeWorld} from './world.js'
import {arrayParam, hashParam, ListParamError} from './list.js'
import {facts} from '../../gateways/stripe/facts.js'

/**
 * POST /v1/payment_intents (confirm=true, off-session) in the sandbox. The outcome is deterministic: a charge rule
 * (charge-rules.ts) decides when one matches; else Stripe's test payment methods decline as their names say, and a
 * customer's stored card succeeds unless the customer's latest failed payment was a hard decline (the card is still
 * expired or stolen).
 */
const TEST_PAYMENT_METHODS: Readonly<Record<string, DeclineReason | null>> = {
  pm_card_visa: null,
  pm_card_mastercard: null,
  pm_card_chargeDeclined: 'generic',
  pm_card_chargeDeclinedInsufficientFunds: 'insufficient_funds',
  pm_card_chargeDeclinedExpiredCard: 'expired_card',
  pm_card_chargeDeclinedStolenCard: 'stolen_card',
  pm_card_chargeDeclinedIssuerNotAvailable: 'issuer_unavailable',
}

export interface IntentResult {
  status: number
  body: Record<string, unknown>
  /** The scripted step that decided it, whose delivery the emulator honours. */
  step?: ChargeStep
}

export function createPaymentIntent(
  world: StripeWorld,
  form: URLSearchParams,
  nowMs: number,
  request: {id: string; idempotency_key: string},
  script?: ChargeScript,
): IntentResult {
  const amountText = form.get('amount')
  if (amountText === null)
    throw new ListParamError('Missing required param: amount.', 'amount', 400, 'parameter_missing')
  if (!/^\d+$/.test(amountText) || Number(amountText) < 1)
    throw new ListParamError(`Invalid integer: ${amountText}`, 'amount', 400, 'parameter_invalid_integer')
  const currency = form.get('currency')
  if (!currency) throw new ListParamError('Missing required param: currency.', 'currency', 400, 'parameter_missing')
  if (currency !== currency.toLowerCase())
    throw new ListParamError(`Invalid currency: ${currency}. Stripe currencies are lower case.`, 'currency')
  let amount
  try {
    amount = fromGatewayMinor(Number(amountText), currency, facts.wire, 'amount')
  } catch (error) {
    if (error instanceof MoneyError) throw new ListParamError(error.message, 'amount', 400, 'amount_invalid')
    throw error
  }
  const customerRef = form.get('customer')
  const customer = customerRef ? world.customersByRef.get(customerRef) : undefined
  if (customerRef && !customer)
    throw new ListParamError(`No such customer: '${customerRef}'`, 'customer', 400, 'resource_missing')
  if (!customer)
    throw new ListParamError(
      'This sandbox only charges existing customers: pass customer.',
      'customer',
      400,
      'parameter_missing',
    )
  const pm = form.get('payment_method')
  if (!pm)
    throw new ListParamError('Missing required param: payment_method.', 'payment_method', 400, 'parameter_missing')
  if (form.get('confirm') !== 'true')
    throw new ListParamError('This sandbox only creates confirmed PaymentIntents: pass confirm=true.', 'confirm')
  const known = pm in TEST_PAYMENT_METHODS || pm === customer.paymentMethods.stripe
  if (!known) throw new ListParamError(`No such PaymentMethod: '${pm}'`, 'payment_method', 400, 'resource_missing')
  const scripted = script?.next('stripe', {paymentMethod: pm, customer: customer.id}) ?? null
  let decline: DeclineReason | null
  if (scripted) decline = declineOf(scripted.step)
  else if (pm in TEST_PAYMENT_METHODS) decline = TEST_PAYMENT_METHODS[pm] ?? null
  else decline = storedCardOutcome(world, customer, nowMs)

  const key = `e${String(world.created.size + 1).padStart(6, '0')}`
  const metadata = hashParam(form, 'metadata')
  const payment: ScenarioPayment = {
    key,
    gateway: 'stripe',
    customer: customer.id,
    invoice: metadata.yms_invoice ?? null,
    amount,
    fee: {minor: decline ? 0 : safeFee(amount.minor, amount.currency), currency: amount.currency},
    createdAt: new Date(nowMs).toISOString(),
    settledAt: null,
    outcome: decline ? 'failed' : 'succeeded',
    decline,
    refunds: [],
    dispute: null,
  }
  const network: Partial<ChargeStep> = scripted && decline ? scripted.step : {}
  const entry: ChargeEntry = world.addCreatedPayment(
    payment,
    {
      metadata,
      paymentMethod: pm,
      ...(scripted ? {brand: scripted.brand} : {}),
      ...(network.networkCode ? {networkCode: network.networkCode} : {}),
      ...(network.networkAdvice ? {networkAdvice: network.networkAdvice} : {}),
    },
    request,
  )
  script?.record({
    gateway: 'stripe',
    externalId: entry.id,
    paymentMethod: pm,
    customer: customer.id,
    amount,
    approved: decline === null,
    reference: payment.invoice,
    at: payment.createdAt,
  })
  const step = scripted?.step
  const expand = new Set(arrayParam(form, 'expand'))
  const intent = world.renderPaymentIntent(entry.payment, nowMs, expand)
  if (!decline) return {status: 200, body: intent, step}
  const charge = world.renderCharge(entry.payment, nowMs)
  return {
    step,
    status: 402,
    body: {
      error: {
        ...declineError(STRIPE_DECLINES[decline], charge),
        payment_intent: intent,
        request_log_url: `https://dashboard.stripe.com/test/logs/${request.id}`,
      },
    },
  }
}

function storedCardOutcome(world: StripeWorld, customer: ScenarioCustomer, nowMs: number): DeclineReason | null {
  const now = new Date(nowMs).toISOString()
  let latest: ScenarioPayment | null = null
  for (const entry of world.charges) {
    const p = entry.payment
    if (p.customer !== customer.id || entry.atMs > nowMs || world.created.has(p.key)) continue
    if (paymentStateAt(p, now).status === 'failed' && (latest === null || p.createdAt >= latest.createdAt)) latest = p
  }
  const reason = latest?.decline ?? null
  return reason !== null && STRIPE_DECLINES[reason].decision === 'terminal' ? reason : null
}

function safeFee(minor: number, currency: string): number {
  try {
    return sandboxFee(minor, currency)
  } catch {
    return 0 // a currency without a sandbox fee profile: no fee rather than an invented one
  }
}

/** What Stripe compares when an Idempotency-Key is reused: the same endpoint with the same parameters. */
export function requestFingerprint(method: string, path: string, body: Buffer): string {
  const pairs = [...new URLSearchParams(body.toString('utf8'))].map(([k, v]) => `${k}=${v}`).sort()
  return createHash('sha256')
    .update(`${method} ${path}\n${pairs.join('&')}`)
    .digest('hex')
}
