import {createHash} from 'node:crypto'

import {fromGatewayMinor, toGatewayMinor} from '../../core/money.js'
import type {Decision, Money} from '../../core/transaction.js'
import type {EmulatorOptions, EmulatorRequest, EmulatorResponse, GatewayEmulator, SignedWebhook} from '../emulator.js'
import type {ScenarioCustomer} from '../model.js'
import {type ChargeScript, type ChargeStep, declineOf, type ScriptedCharge} from '../charge-rules.js'
import {delivered} from '../delivery.js'
import {CHECKOUT_VERSION} from '../../gateways/adyen/api.js'
import {REFUSAL_REASONS} from '../../gateways/adyen/classify.js'
import {facts} from '../../gateways/adyen/facts.js'
import {adyenBalance} from './balance.js'
import {notificationFor, reportAvailable, signedNotification} from './render.js'
import {ACCOUNT_COLUMNS, DEFAULT_COLUMNS, renderReport} from './report-file.js'
import {AdyenWorld, DECLINES, MERCHANT_ACCOUNT, pspReference, REPORT_USER} from './world.js'

/**
 * Adyen as the sandbox serves it (what exists: world.ts, batches.ts; how it is written: report-file.ts, render.ts):
 * - GET /reports/download/MerchantAccount/{account}/settlement_detail_report_batch_{n}.csv: 404 until the
 *   batch's day has ended by clock.now(). Only the report user may download (Basic auth with report_user and
 *   report_password, or its report_api_key); the Checkout key has no report role here (403). The columns are the
 *   sandbox account's (with Shopper Reference), or Adyen's default layout (`reportColumns: 'default'`).
 * - POST /v72/payments: as a charge rule says (charge-rules.ts) when one matches; else Authorised unless the
 *   shopper's latest scenario payment so far failed, in which case the card is refused again with that decline's
 *   code. Payments created here live only in memory (for Idempotency-Key replay, 31 days); they do not enter
 *   reports or webhooks.
 * - POST /v72/paymentMethods: the connection test.
 * - Webhooks: one per scenario event, plus REPORT_AVAILABLE for each batch holding one of them; and each batch's
 *   REPORT_AVAILABLE on its own when it closes (scheduledWebhooks).
 * - processorBalance(): the merchant's balance at Adyen, from the report lines booked by clock.now() (balance.ts).
 */
function classicError(status: number, errorCode: string, message: string, errorType: string): EmulatorResponse {
  return {
    status,
    headers: {'content-type': 'application/json'},
    body: JSON.stringify({status, errorCode, message, errorType}),
  }
}

function json(status: number, body: unknown, headers: Record<string, string> = {}): EmulatorResponse {
  return {status, headers: {'content-type': 'application/json', ...headers}, body: JSON.stringify(body)}
}

const unparsable = (): EmulatorResponse =>
  classicError(400, '702', 'Unable to parse the request body as JSON', 'validation')
const wrongAccount = (): EmulatorResponse => classicError(403, '901', 'Invalid Merchant Account', 'security')
const REPORT_PATH = /^\/reports\/download\/MerchantAccount\/([^/]+)\/settlement_detail_report_batch_(\d+)\.csv$/

export interface AdyenEmulatorOptions extends EmulatorOptions {
  /**
   * The report layout: 'account' (default) has the columns the sandbox account added (Shopper Reference, Booking
   * Date); 'default' is Adyen's own, without them, so most customers are known only from webhooks.
   */
  reportColumns?: 'account' | 'default'
}

export const createAdyenEmulator = (opts: AdyenEmulatorOptions): GatewayEmulator => {
  const {scenario, clock} = opts
  const seedHash = createHash('sha256').update(`adyen-emulator:${scenario.seed}`).digest('hex')
  const secrets = {
    api_key: `AQE_sandbox_${seedHash.slice(0, 32)}`,
    report_api_key: `AQE_report_${seedHash.slice(32, 64)}`,
    report_password: `rp-${seedHash.slice(0, 20)}`,
    hmac_key: createHash('sha256').update(`adyen-hmac:${scenario.seed}`).digest('hex').toUpperCase(),
  }
  const settings = {merchant_account: MERCHANT_ACCOUNT, report_user: REPORT_USER, invoice_column: 'Merchant Reference'}
  const world = new AdyenWorld(opts)
  const columns = opts.reportColumns === 'default' ? DEFAULT_COLUMNS : ACCOUNT_COLUMNS
  const payments = createPayments(world, () => clock.now(), opts.charges)
  const reportBasic = `Basic ${Buffer.from(`${REPORT_USER}:${secrets.report_password}`).toString('base64')}`

  const handle = (req: EmulatorRequest): EmulatorResponse => {
    const report = REPORT_PATH.exec(req.path)
    const isReportUser =
      req.headers.authorization === reportBasic || req.headers['x-api-key'] === secrets.report_api_key
    if (!isReportUser && req.headers['x-api-key'] !== secrets.api_key) {
      return classicError(401, '000', 'HTTP Status Response - Unauthorized', 'security')
    }
    // Each credential has its own role: the report user downloads reports, the web service user calls Checkout.
    if (report ? !isReportUser : isReportUser) return classicError(403, '010', 'Not allowed', 'security')
    if (req.method === 'GET' && report) {
      const account = decodeURIComponent(report[1]!)
      const n = Number(report[2])
      if (account !== MERCHANT_ACCOUNT || !world.batchExists(n))
        return {status: 404, headers: {'content-type': 'text/plain'}, body: 'Not Found'}
      return {
        status: 200,
        headers: {'content-type': 'text/csv; charset=utf-8'},
        body: renderReport(world, world.entries(n), columns),
      }
    }
    if (req.method === 'POST' && req.path === `/${CHECKOUT_VERSION}/payments`) return payments(req)
    if (req.method === 'POST' && req.path === `/${CHECKOUT_VERSION}/paymentMethods`) return paymentMethods(req)
    return classicError(404, '000', `No such endpoint: ${req.method} ${req.path}`, 'validation')
  }

  const emulator: GatewayEmulator = {
    kind: 'adyen',
    secrets,
    settings,
    handle,
    webhooks(events) {
      const out: SignedWebhook[] = events.map((e) =>
        signedNotification(secrets.hmac_key, Date.parse(e.at), notificationFor(world, e)),
      )
      const batches = new Set(events.map((e) => world.batchOf(Date.parse(e.at))).filter((n) => world.batchExists(n)))
      for (const n of [...batches].sort((a, b) => a - b))
        out.push(signedNotification(secrets.hmac_key, world.batchClosesAt(n), reportAvailable(n)))
      // Oldest first; deliveries due at the same instant keep the order they were made in.
      return out
        .map((w, i) => ({w, i}))
        .sort((a, b) => (a.w.at < b.w.at ? -1 : a.w.at > b.w.at ? 1 : a.i - b.i))
        .map(({w}) => w)
    },
    scheduledWebhooks(fromMs, toMs) {
      // Each batch is announced when it closes, whether or not a payment event falls on its day.
      const out: SignedWebhook[] = []
      const first = Math.max(1, Number.isFinite(fromMs) ? world.batchOf(fromMs) : 1)
      for (let n = first; world.batchClosesAt(n) <= toMs; n++) {
        if (!world.batchExists(n) || world.batchClosesAt(n) <= fromMs) continue
        out.push(signedNotification(secrets.hmac_key, world.batchClosesAt(n), reportAvailable(n)))
      }
      return out
    },
    externalId(object, key) {
      return pspReference(object, key)
    },
    declineFor(reason): {code: string; decision: Decision} {
      const code = DECLINES[reason]
      return {code, decision: REFUSAL_REASONS[code]!.decision}
    },
    processorBalance: () => adyenBalance(world.allEntries(), clock.now()),
  }
  return emulator
}

function paymentMethods(req: EmulatorRequest): EmulatorResponse {
  let body: {merchantAccount?: unknown} = {}
  try {
    body = JSON.parse(req.rawBody.toString('utf8')) as typeof body
  } catch {
    return unparsable()
  }
  if (body.merchantAccount !== MERCHANT_ACCOUNT) return wrongAccount()
  return json(200, {paymentMethods: [{name: 'Cards', type: 'scheme', brands: ['visa', 'mc', 'amex']}]})
}

/** POST /payments with Adyen's Idempotency-Key semantics: a key replays its first answer, or refuses another body. */
function createPayments(
  world: AdyenWorld,
  now: () => number,
  script?: ChargeScript,
): (req: EmulatorRequest) => EmulatorResponse {
  const created = new Map<string, {bodyHash: string; response: EmulatorResponse; atMs: number}>()
  let createdSeq = 0
  return (req) => {
    let body: Record<string, unknown>
    try {
      body = JSON.parse(req.rawBody.toString('utf8')) as Record<string, unknown>
      if (!body || typeof body !== 'object' || Array.isArray(body)) throw new Error('not an object')
    } catch {
      return unparsable()
    }
    const key = req.headers['idempotency-key']
    const bodyHash = createHash('sha256').update(req.rawBody).digest('hex')
    if (key !== undefined) {
      if (key.length > 64) return classicError(422, '000', 'Idempotency-Key is longer than 64 characters', 'validation')
      // Keys are valid for at least 31 days (docs/gateways.md#adyen-idempotency); this sandbox forgets them then.
      if (now() - (created.get(key)?.atMs ?? now()) >= KEY_RETENTION_MS) created.delete(key)
      const seen = created.get(key)
      if (seen) {
        if (seen.bodyHash !== bodyHash)
          return classicError(
            422,
            '000',
            'Idempotency-Key was already used with a different request body',
            'validation',
          )
        return seen.response
      }
    }
    const checked = validatePayment(world, body)
    if ('error' in checked) return checked.error
    const psp = pspReference('created', key ?? `${body.reference}#${++createdSeq}`)
    const scripted = script?.next('adyen', {paymentMethod: checked.storedMethod, customer: checked.customer.id}) ?? null
    const answer = scripted
      ? scriptedAnswer(checked, psp, scripted)
      : authorise(world, checked, psp, new Date(now()).toISOString())
    const response = json(200, answer, key === undefined ? {} : {'Idempotency-Key': key})
    if (key !== undefined) created.set(key, {bodyHash, response, atMs: now()})
    script?.record({
      gateway: 'adyen',
      externalId: psp,
      paymentMethod: checked.storedMethod,
      customer: checked.customer.id,
      amount: checked.money,
      approved: answer.resultCode === 'Authorised',
      reference: checked.reference,
      at: new Date(now()).toISOString(),
    })
    return delivered(scripted?.step, response, () => classicError(500, '000', 'Internal error', 'internal'))
  }
}

interface ValidPayment {
  money: Money
  reference: string
  customer: ScenarioCustomer
  storedMethod: string
}

const KEY_RETENTION_MS = 31 * 86_400_000
const ADYEN_BRANDS: Readonly<Record<ScriptedCharge['brand'], string>> = {
  visa: 'visa',
  mastercard: 'mc',
  amex: 'amex',
  discover: 'discover',
}

/** A scripted charge: Authorised, or Refused with the reason's code, the raw response and the advice code. */
function scriptedAnswer(p: ValidPayment, psp: string, scripted: ScriptedCharge): Record<string, unknown> {
  const reason = declineOf(scripted.step)
  const base = {
    pspReference: psp,
    amount: {currency: p.money.currency, value: toGatewayMinor(p.money, facts.wire)},
    merchantReference: p.reference,
    paymentMethod: {brand: ADYEN_BRANDS[scripted.brand], type: 'scheme'},
  }
  if (!reason) return {...base, resultCode: 'Authorised', additionalData: {authCode: psp.slice(-6)}}
  const code = DECLINES[reason]
  return {
    ...base,
    resultCode: 'Refused',
    refusalReason: REFUSAL_REASONS[code]!.reason,
    refusalReasonCode: code,
    additionalData: rawResponse(scripted.step),
  }
}

/** What Adyen adds when the account returns raw acquirer responses and merchant advice codes. */
function rawResponse(step: ChargeStep): Record<string, string> {
  const data: Record<string, string> = {}
  if (step.networkCode) data.refusalReasonRaw = `${step.networkCode} : Declined`
  if (step.networkAdvice) data.merchantAdviceCode = `${step.networkAdvice}: Merchant advice`
  return data
}

/** The checks Adyen makes before authorising, in its order, with its error codes. */
function validatePayment(world: AdyenWorld, body: Record<string, unknown>): ValidPayment | {error: EmulatorResponse} {
  if (body.merchantAccount !== MERCHANT_ACCOUNT) return {error: wrongAccount()}
  const amount = body.amount as {currency?: unknown; value?: unknown} | undefined
  if (!amount || typeof amount.currency !== 'string' || typeof amount.value !== 'number')
    return {error: classicError(422, '100', 'No amount specified', 'validation')}
  let money: Money
  try {
    money = fromGatewayMinor(amount.value, amount.currency, facts.wire, 'amount.value')
    if (money.minor <= 0) throw new Error('not positive')
  } catch {
    return {error: classicError(422, '137', 'Invalid amount specified', 'validation')}
  }
  if (typeof body.reference !== 'string' || body.reference === '')
    return {error: classicError(422, '130', 'Reference Missing', 'validation')}
  const method = body.paymentMethod as {storedPaymentMethodId?: unknown} | undefined
  const customer = world.customerByShopper(body.shopperReference)
  if (
    !customer ||
    typeof method?.storedPaymentMethodId !== 'string' ||
    customer.paymentMethods.adyen !== method.storedPaymentMethodId
  ) {
    return {error: classicError(422, '800', 'Contract not found', 'validation')}
  }
  return {money, reference: body.reference, customer, storedMethod: method.storedPaymentMethodId}
}

/** The answer: refused again with the decline of the shopper's latest payment when that one failed. */
function authorise(world: AdyenWorld, p: ValidPayment, psp: string, nowIso: string): Record<string, unknown> {
  const latest = world.latestPaymentOf(p.customer, nowIso)
  const echoed = {currency: p.money.currency, value: toGatewayMinor(p.money, facts.wire)}
  if (latest && latest.outcome === 'failed' && latest.decline) {
    const code = DECLINES[latest.decline]
    return {
      pspReference: psp,
      resultCode: 'Refused',
      refusalReason: REFUSAL_REASONS[code]!.reason,
      refusalReasonCode: code,
      amount: echoed,
      merchantReference: p.reference,
    }
  }
  return {
    pspReference: psp,
    resultCode: 'Authorised',
    amount: echoed,
    merchantReference: p.reference,
    additionalData: {authCode: psp.slice(-6)},
  }
}
