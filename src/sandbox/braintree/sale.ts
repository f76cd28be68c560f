import {parseGatewayDecimal} from '../../core/money.js'
import type {Money} from '../../core/transaction.js'
import type {EmulatorRequest, EmulatorResponse} from '../emulator.js'
import {type ChargeScript, declineOf, type ScriptedCharge} from '../charge-rules.js'
import {delivered} from '../delivery.js'
import {renderTransaction} from './render.js'
import {apiErrorResponse, type ValidationError, xmlResponse} from './respond.js'
import {
  APPROVED,
  braintreeIdFor,
  DECLINES,
  type BtTxn,
  merchantAccountFor,
  MERCHANT_CURRENCIES,
  type StatusEvent,
  type World,
} from './world.js'
import {facts} from '../../gateways/braintree/facts.js'

/**
 * POST transactions: a sale on a stored payment-method token (201 with the transaction, or 422). A charge rule
 * (charge-rules.ts) decides when one matches the token; else sandbox amounts as at Braintree: a sale of
 * 2000.00–3000.99 is processor_declined with the whole part as the processor response code, answered 422 with the
 * declined transaction. A sale submitted for settlement settles `settleDelayMs` later.
 */

/** Emulator-side view of the sandbox decline codes (independent of the adapter's classify.ts). */
const SANDBOX_CODES: Readonly<Record<string, {text: string; type: string}>> = {
  '2000': {text: 'Do Not Honor', type: 'soft_declined'},
  '2001': {text: 'Insufficient Funds', type: 'soft_declined'},
  '2004': {text: 'Expired Card', type: 'hard_declined'},
  '2012': {text: 'Processor Declined - Possible Lost Card', type: 'hard_declined'},
  '2013': {text: 'Processor Declined - Possible Stolen Card', type: 'hard_declined'},
  '2046': {text: 'Declined', type: 'soft_declined'},
  '3000': {text: 'Processor Network Unavailable - Try Again', type: 'soft_declined'},
}

/** A sale request that passed validation. */
interface SaleRequest {
  amount: Money
  /** The amount as sent: its whole part picks the sandbox decline. */
  wire: string
  token: string
  customerId: string
  orderId: string | null
  merchantAccountId: string
  submit: boolean
}

/** A sale handler over `world`; each sale it stores gets a new id. */
export function saleHandler(
  world: World,
  settleDelayMs: number,
  script?: ChargeScript,
): (req: EmulatorRequest, now: number) => EmulatorResponse {
  let createdSeq = 0
  return (req, now) => {
    let body: {transaction?: Record<string, unknown>}
    try {
      body = JSON.parse(req.rawBody.toString('utf8')) as typeof body
    } catch {
      return apiErrorResponse('Request body is not JSON', [])
    }
    const read = readSale(world, body?.transaction ?? {})
    if (!read.ok) return apiErrorResponse(read.errors.map((e) => e.message).join('\n'), read.errors)
    const owner = world.tokens.get(read.sale.token)
    const scripted =
      script?.next('braintree', {paymentMethod: read.sale.token, customer: owner?.ymsCustomer ?? null}) ?? null
    const reason = scripted ? declineOf(scripted.step) : null
    const declineCode = scripted ? (reason ? DECLINES[reason].code : null) : sandboxDeclineCode(read.sale.wire)
    const t = storeSale(
      world,
      read.sale,
      braintreeIdFor('payment', `p${900_000_000 + ++createdSeq}`),
      declineCode,
      now,
      settleDelayMs,
    )
    if (scripted) scriptCard(t, scripted, reason !== null)
    script?.record({
      gateway: 'braintree',
      externalId: t.id,
      paymentMethod: read.sale.token,
      customer: owner?.ymsCustomer ?? null,
      amount: t.amount,
      approved: declineCode === null,
      reference: t.orderId,
      at: new Date(now).toISOString(),
    })
    const answer = declineCode
      ? apiErrorResponse(t.processor.text, [], renderTransaction(t, now))
      : xmlResponse(201, renderTransaction(t, now))
    // No idempotency at Braintree: a lost answer leaves the sale in place, found only by a search.
    return delivered(scripted?.step, answer, () => ({status: 500, headers: {}, body: ''}))
  }
}

/** Braintree's validation of a sale, with its error codes. */
function readSale(
  world: World,
  tx: Record<string, unknown>,
): {ok: true; sale: SaleRequest} | {ok: false; errors: ValidationError[]} {
  const errors: ValidationError[] = []
  if (tx.type !== 'sale') errors.push({code: '91523', attribute: 'type', message: 'Transaction type is invalid.'})
  const accountId = typeof tx.merchant_account_id === 'string' ? tx.merchant_account_id : merchantAccountFor('USD')
  const currency = MERCHANT_CURRENCIES.find((c) => merchantAccountFor(c) === accountId)
  if (!currency)
    errors.push({code: '91513', attribute: 'merchant_account_id', message: 'Merchant account ID is invalid.'})
  let amount = null
  if (typeof tx.amount !== 'string' || tx.amount === '')
    errors.push({code: '81502', attribute: 'amount', message: 'Amount is required.'})
  else if (currency) {
    try {
      amount = parseGatewayDecimal(tx.amount, currency, facts.wire, 'amount')
      if (amount.minor <= 0) throw new Error('not positive')
    } catch {
      errors.push({code: '81503', attribute: 'amount', message: 'Amount is an invalid format.'})
    }
  }
  const token = typeof tx.payment_method_token === 'string' ? tx.payment_method_token : null
  const owner = token ? world.tokens.get(token) : undefined
  if (!owner)
    errors.push({code: '91518', attribute: 'payment_method_token', message: 'Payment method token is invalid.'})
  const customerId = typeof tx.customer_id === 'string' ? tx.customer_id : null
  if (customerId !== null && (!world.customers.has(customerId) || (owner && owner.customerId !== customerId))) {
    errors.push({code: '91510', attribute: 'customer_id', message: 'Customer ID is invalid.'})
  }
  if (errors.length > 0 || !amount || !owner || !currency || token === null) return {ok: false, errors}
  const submit = (tx.options as {submit_for_settlement?: unknown} | undefined)?.submit_for_settlement === true
  const orderId = typeof tx.order_id === 'string' ? tx.order_id : null
  return {
    ok: true,
    sale: {
      amount,
      wire: String(tx.amount),
      token,
      customerId: owner.customerId,
      orderId,
      merchantAccountId: accountId,
      submit,
    },
  }
}

const CARD_TYPES: Readonly<Record<ScriptedCharge['brand'], string>> = {
  visa: 'Visa',
  mastercard: 'MasterCard',
  amex: 'American Express',
  discover: 'Discover',
}

/** A scripted sale's card type, and on a decline the network's response and advice codes. */
function scriptCard(t: BtTxn, scripted: ScriptedCharge, declined: boolean): void {
  t.cardType = CARD_TYPES[scripted.brand]
  if (!declined) return
  if (scripted.step.networkCode) t.networkResponseCode = scripted.step.networkCode
  if (scripted.step.networkAdvice) t.merchantAdviceCode = scripted.step.networkAdvice
}

/** The processor code a sandbox amount declines with (2000.00–3000.99), or null when it is approved. */
function sandboxDeclineCode(wire: string): string | null {
  const whole = Number(wire.split('.')[0])
  return whole >= 2000 && whole <= 3000 ? String(whole) : null
}

/** Adds the sale to the world: declined, or authorized (then submitted, settling later) as the sandbox decides. */
function storeSale(
  world: World,
  sale: SaleRequest,
  id: string,
  declineCode: string | null,
  now: number,
  settleDelayMs: number,
): BtTxn {
  const history: StatusEvent[] = declineCode
    ? [{status: 'processor_declined', at: now}]
    : sale.submit
      ? [
          {status: 'authorized', at: now},
          {status: 'submitted_for_settlement', at: now},
          {status: 'settled', at: now + settleDelayMs},
        ]
      : [{status: 'authorized', at: now}]
  const known = declineCode ? SANDBOX_CODES[declineCode] : undefined
  const t: BtTxn = {
    id,
    type: 'sale',
    amount: sale.amount,
    customerId: sale.customerId,
    customer: {firstName: '', lastName: '', email: ''},
    paymentMethodToken: sale.token,
    orderId: sale.orderId,
    merchantAccountId: sale.merchantAccountId,
    createdAt: now,
    history,
    processor: declineCode
      ? {code: declineCode, text: known?.text ?? 'Processor Declined', type: known?.type ?? 'soft_declined'}
      : APPROVED,
    settlement: null,
    gatewayRejectionReason: null,
    refundedTransactionId: null,
    refunds: [],
    disputes: [],
  }
  world.txns.push(t)
  world.byId.set(id, t)
  return t
}
