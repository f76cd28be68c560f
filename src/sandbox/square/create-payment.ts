import {assertCurrency} from '../../core/currency.js'
import type {Money} from '../../core/transaction.js'
import type {EmulatorResponse} from '../emulator.js'
import {type ChargeScript, type ChargeStep, declineOf, type ScriptedCharge} from '../charge-rules.js'
import {delivered} from '../delivery.js'
import {DECLINES as REASON_CODES} from './declines.js'
import type {ScenarioPayment} from '../model.js'
import type {RouteContext} from './context.js'
import {declineInfo, judgeSource, type SourceVerdict} from './declines.js'
import {IdempotencyKeys} from './idempotency.js'
import {renderPayment} from './render.js'
import {invalid, json, notFound} from './responses.js'

const MAX_IDEMPOTENCY_KEY = 45

/**
 * POST /v2/payments. Outcomes are deterministic: by a charge rule (charge-rules.ts) when one matches a card on file,
 * else by source_id (declines.ts); a created payment joins the world, so it is listed, can be fetched, and is
 * announced by webhooks like a scenario payment.
 */
export function createPaymentRoute(ctx: RouteContext, script?: ChargeScript): (rawBody: Buffer) => EmulatorResponse {
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
    // A replay does not run createPayment, so only a new payment's scripted step decides how its answer travels.
    let step: ChargeStep | undefined
    const answer = keys.answer(
      key,
      body,
      () => {
        const created = createPayment(ctx, body, script)
        step = created.step
        return created.response
      },
      (res) => res.status < 400 || isDecline(res),
    )
    return delivered(step, answer, () => serverError())
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

function serverError(): EmulatorResponse {
  return json(500, {
    errors: [{category: 'API_ERROR', code: 'INTERNAL_SERVER_ERROR', detail: 'An internal error occurred.'}],
  })
}

const SQUARE_BRANDS: Readonly<Record<ScriptedCharge['brand'], string>> = {
  visa: 'VISA',
  mastercard: 'MASTERCARD',
  amex: 'AMERICAN_EXPRESS',
  discover: 'DISCOVER',
}

/** A card on file's scripted verdict, or the source's own (declines.ts). */
function verdictFor(
  ctx: RouteContext,
  source: string,
  customerId: string | undefined,
  script?: ChargeScript,
): {verdict: SourceVerdict; scripted: ScriptedCharge | null} {
  const owner = ctx.world.isCardOnFile(source) ? ctx.world.ownerOf(source, customerId) : undefined
  const scripted = owner ? (script?.next('square', {paymentMethod: source, customer: owner.id}) ?? null) : null
  if (!scripted) return {verdict: judgeSource(source, (s) => ctx.world.isCardOnFile(s)), scripted}
  const reason = declineOf(scripted.step)
  const verdict: SourceVerdict = reason
    ? {kind: 'declined', reason, decline: declineInfo(REASON_CODES[reason].code)}
    : {kind: 'approved'}
  return {verdict, scripted}
}

function createPayment(
  ctx: RouteContext,
  body: Record<string, unknown>,
  script?: ChargeScript,
): {response: EmulatorResponse; step?: ChargeStep} {
  const {world} = ctx
  const source = body.source_id
  if (typeof source !== 'string' || source.length === 0)
    return {response: invalid('MISSING_REQUIRED_PARAMETER', 'Field must be set', 'source_id')}
  const amount = amountOf(body.amount_money)
  if (!amount.ok) return {response: amount.response}
  const locationId = typeof body.location_id === 'string' ? body.location_id : world.defaultLocation
  if (!world.hasLocation(locationId)) return {response: notFound(`Location \`${locationId}\` not found.`)}
  const customerId = typeof body.customer_id === 'string' ? body.customer_id : undefined
  const {verdict, scripted} = verdictFor(ctx, source, customerId, script)
  if (verdict.kind === 'not_found') return {response: notFound(`Card nonce or card on file \`${source}\` not found.`)}
  const declined = verdict.kind === 'declined' ? verdict : null
  const step = scripted?.step

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
    ...(scripted ? {brand: SQUARE_BRANDS[scripted.brand]} : {}),
  })
  script?.record({
    gateway: 'square',
    externalId: rec.id,
    paymentMethod: source,
    customer: p.customer || null,
    amount: p.amount,
    approved: !declined,
    reference: p.invoice,
    at: p.createdAt,
  })
  const payment = renderPayment(rec, p.createdAt, world.seed)
  if (declined)
    return {
      step,
      response: json(400, {
        errors: [{category: declined.decline.category, code: declined.decline.code, detail: declined.decline.detail}],
        payment,
      }),
    }
  return {step, response: json(200, {payment})}
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
