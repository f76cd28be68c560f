import {assertCurrency} from '../../core/currency.js'
import type {Money} from '../../core/transaction.js'
import type {EmulatorResponse} from '../emulator.js'
import type {ScenarioPayment} from '../model.js'
import type {RouteContext} from './context.js'
import {judgeSource} from './declines.js'
import {IdempotencyKeys} from './idempotency.js'
import {renderPayment} from './render.js'
import {invalid, json, notFound} from './responses.js'

const MAX_IDEMPOTENCY_KEY = 45

/**
 * POST /v2/payments. Outcomes are deterministic by source_id (declines.ts); a created payment joins the world,
 * so it is listed, can be fetched, and is announced by webhooks like a scenario payment.
 */
export function createPaymentRoute(ctx: RouteContext): (rawBody: Buffer) => EmulatorResponse {
  const keys = new IdempotencyKeys()
  return (rawBody) => {
    const body = jsonObject(rawBody)
    if (!body) return invalid('INVALID_REQUEST_ERROR', 'The request body is not a JSON object.')
    const key = body.idempotency_key
    if (typeof key !== 'string' || key.length === 0)
      return invalid('MISSING_REQUIRED_PARAMETER', 'Field must be set', 'idempotency_key')
    if (key.length > MAX_IDEMPOTENCY_KEY)
      return invalid(
        'VALUE_TOO_LONG',
        `Field must not be greater than ${MAX_IDEMPOTENCY_KEY} length`,
        'idempotency_key',
      )
    // Square keeps the response of a request it processed; a request it refused as invalid can be fixed and re-sent.
    return keys.answer(
      key,
      body,
      () => createPayment(ctx, body),
      (res) => res.status < 400 || isDecline(res),
    )
  }
}

function jsonObject(rawBody: Buffer): Record<string, unknown> | null {
  try {
    const parsed: unknown = JSON.parse(rawBody.toString('utf8'))
    return parsed && typeof parsed === 'object' && !Array.isArray(parsed) ? (parsed as Record<string, unknown>) : null
  } catch {
    return null
  }
}

/** A decline carries the failed payment beside its errors[]; a refusal of the request does not. */
function isDecline(res: EmulatorResponse): boolean {
  return typeof res.body === 'string' && res.body.includes('"payment"')
}

function createPayment(ctx: RouteContext, body: Record<string, unknown>): EmulatorResponse {
  const {world} = ctx
  const source = body.source_id
  if (typeof source !== 'string' || source.length === 0)
    return invalid('MISSING_REQUIRED_PARAMETER', 'Field must be set', 'source_id')
  const amount = amountOf(body.amount_money)
  if (!amount.ok) return amount.response
  const locationId = typeof body.location_id === 'string' ? body.location_id : world.defaultLocation
  if (!world.hasLocation(locationId)) return notFound(`Location \`${locationId}\` not found.`)
  const customerId = typeof body.customer_id === 'string' ? body.customer_id : undefined
  const verdict = judgeSource(source, (s) => world.isCardOnFile(s))
  if (verdict.kind === 'not_found') return notFound(`Card nonce or card on file \`${source}\` not found.`)
  const declined = verdict.kind === 'declined' ? verdict : null

  const p: ScenarioPayment = {
    key: `api-${String(world.created.length + 1).padStart(6, '0')}`,
    gateway: 'square',
    customer: world.ownerOf(source, customerId)?.id ?? '',
    invoice: typeof body.reference_id === 'string' ? body.reference_id : null,
    amount: amount.money,
    fee: {minor: declined ? 0 : processingFee(amount.money.minor), currency: amount.money.currency},
    createdAt: ctx.now(),
    settledAt: null,
    outcome: declined ? 'failed' : 'succeeded',
    decline: declined?.reason ?? null,
    refunds: [],
    dispute: null,
  }
  world.created.push(p)
  const rec = world.addRecord(p, {
    customerId,
    locationId,
    referenceId: p.invoice ?? undefined,
    note: typeof body.note === 'string' ? body.note : undefined,
    decline: declined?.decline ?? null,
  })
  const payment = renderPayment(rec, p.createdAt, world.seed)
  if (declined)
    return json(400, {
      errors: [{category: declined.decline.category, code: declined.decline.code, detail: declined.decline.detail}],
      payment,
    })
  return json(200, {payment})
}

/** amount_money as Square validates it. Square's exponent is the ISO one (no deviation), so the amount is ISO minor units. */
function amountOf(value: unknown): {ok: true; money: Money} | {ok: false; response: EmulatorResponse} {
  const money = value as {amount?: unknown; currency?: unknown} | undefined
  if (!money || typeof money !== 'object')
    return {ok: false, response: invalid('MISSING_REQUIRED_PARAMETER', 'Field must be set', 'amount_money')}
  if (typeof money.amount !== 'number' || !Number.isSafeInteger(money.amount)) {
    return {ok: false, response: invalid('EXPECTED_INTEGER', 'Expected an integer value.', 'amount_money.amount')}
  }
  if (money.amount < 1)
    return {
      ok: false,
      response: invalid('INVALID_VALUE', 'amount_money.amount must be positive', 'amount_money.amount'),
    }
  try {
    if (typeof money.currency !== 'string' || money.currency !== money.currency.toUpperCase()) throw new Error('case')
    return {ok: true, money: {minor: money.amount, currency: assertCurrency(money.currency)}}
  } catch {
    return {
      ok: false,
      response: invalid('INVALID_ENUM_VALUE', `Invalid currency: ${String(money.currency)}`, 'amount_money.currency'),
    }
  }
}

/** About 2.9 %, rounded half-up, in integers (BigInt: no float on money). */
function processingFee(minor: number): number {
  return Number((BigInt(minor) * 29n + 500n) / 1000n)
}
