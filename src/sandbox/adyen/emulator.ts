import {createHash} from 'node:crypto'

import {fromGatewayMinor, formatGatewayDecimal, toGatewayMinor} from '../../core/money.js'
import type {Decision, Money} from '../../core/transaction.js'
import type {EmulatorFactory, EmulatorRequest, EmulatorResponse, GatewayEmulator, SignedWebhook} from '../emulator.js'
import {type DeclineReason, paymentsFor, type ScenarioEvent, type ScenarioPayment} from '../model.js'
import {REFUSAL_REASONS} from '../../gateways/adyen/classify.js'
import {CHECKOUT_VERSION, reportFileName} from '../../gateways/adyen/client.js'
import {formatMerchantReference} from '../../gateways/adyen/reference.js'
import {formatSettlementReport, type SDR_COLUMNS} from '../../gateways/adyen/report.js'
import {toCetWallClock} from '../../gateways/adyen/timezone.js'
import {adyenHmac, dedupKeyFor, hmacPayload} from '../../gateways/adyen/webhook.js'
import {facts} from '../../gateways/adyen/facts.js'

/**
 * Adyen as the sandbox renders it. Only the scenario decides what exists:
 * - Settlement detail report: one batch file per UTC day from the scenario's start day (batch 1) to its end
 *   day; a batch exists once its day has ended by clock.now(), otherwise 404. Rows: Settled (at settledAt, or
 *   createdAt for instant payments), Refunded, Chargeback (dispute opened), ChargebackReversed (dispute won).
 *   Failed and pending payments never settle, and a lost dispute books nothing more, so they are not in it.
 * - Webhooks: PENDING (bank debits until they settle), AUTHORISATION true/false, REFUND, CHARGEBACK (opened),
 *   CHARGEBACK_REVERSED (won), DISPUTE_DEFENSE_PERIOD_ENDED (lost), plus REPORT_AVAILABLE per batch.
 * - Times are written in Adyen's account zone, Europe/Amsterdam, labelled CET or CEST.
 * - POST /v72/payments: Authorised unless the shopper's latest scenario payment so far failed, in which case
 *   the card is refused again with that decline's code. Payments created here live only in memory (for
 *   Idempotency-Key replay); they do not enter reports or webhooks.
 */
const MERCHANT_ACCOUNT = 'YmsPayECOM'
const COMPANY_ACCOUNT = 'YmsPayCompany'
const DAY = 86_400_000

const DECLINES: Readonly<Record<DeclineReason, string>> = {
  insufficient_funds: '12',
  generic: '2',
  issuer_unavailable: '9',
  expired_card: '6',
  stolen_card: '5',
}

/** Deterministic 16-digit PSP references; the first digit says what the object is. */
const PSP_PREFIX = {payment: '8', refund: '7', dispute: '6', capture: '5', created: '4'} as const
function pspReference(object: keyof typeof PSP_PREFIX, key: string): string {
  const digest = BigInt(`0x${createHash('sha256').update(`${object}:${key}`).digest('hex')}`)
  return PSP_PREFIX[object] + (digest % 10n ** 15n).toString().padStart(15, '0')
}

type SdrRow = Partial<Record<(typeof SDR_COLUMNS)[number], string>>

function classicError(status: number, errorCode: string, message: string, errorType: string): EmulatorResponse {
  return {status, headers: {'content-type': 'application/json'}, body: JSON.stringify({status, errorCode, message, errorType})}
}

function json(status: number, body: unknown, headers: Record<string, string> = {}): EmulatorResponse {
  return {status, headers: {'content-type': 'application/json', ...headers}, body: JSON.stringify(body)}
}

const ms = (iso: string): number => Date.parse(iso)

export const createAdyenEmulator: EmulatorFactory = ({scenario, share, clock}) => {
  const seedHash = createHash('sha256').update(`adyen-emulator:${scenario.seed}`).digest('hex')
  const secrets = {api_key: `AQE_sandbox_${seedHash.slice(0, 32)}`, hmac_key: createHash('sha256').update(`adyen-hmac:${scenario.seed}`).digest('hex').toUpperCase()}
  const payments = paymentsFor(scenario, 'adyen', share)
  const customers = new Map(scenario.customers.map((c) => [c.id, c]))
  const shopperOf = (p: ScenarioPayment): string => customers.get(p.customer)?.refs.adyen ?? p.customer
  const referenceOf = (p: ScenarioPayment): string => formatMerchantReference({customerRef: shopperOf(p), invoiceRef: p.invoice, paymentKey: p.key})
  const dec = (m: Money): string => formatGatewayDecimal(m, facts.wire)

  const day0 = Math.floor(ms(scenario.start) / DAY) * DAY
  const batchOf = (t: number): number => Math.floor((t - day0) / DAY) + 1
  const lastBatch = batchOf(ms(scenario.end))
  const batchExists = (n: number): boolean => Number.isSafeInteger(n) && n >= 1 && n <= lastBatch && day0 + n * DAY <= clock.now()

  let rowsByBatch: Map<number, SdrRow[]> | null = null
  const reportRows = (): Map<number, SdrRow[]> => {
    if (rowsByBatch) return rowsByBatch
    const timed: {t: number; row: SdrRow}[] = []
    const row = (p: ScenarioPayment, t: number, type: string, modification: string, gross: Money, direction: 'debit' | 'credit', fee: Money | null): void => {
      const when = toCetWallClock(t)
      const net: Money = fee ? {minor: gross.minor - fee.minor, currency: gross.currency} : gross
      const side = (m: Money, d: 'debit' | 'credit'): [string, string] => (d === 'debit' ? [dec(m), ''] : ['', dec(m)])
      const [grossDebit, grossCredit] = side(gross, direction)
      const [netDebit, netCredit] = side(net, direction)
      timed.push({
        t,
        row: {
          'Company Account': COMPANY_ACCOUNT,
          'Merchant Account': MERCHANT_ACCOUNT,
          'Psp Reference': pspReference('payment', p.key),
          'Merchant Reference': referenceOf(p),
          'Payment Method': 'visa',
          'Creation Date': when.date,
          TimeZone: when.zone,
          Type: type,
          'Modification Reference': modification,
          'Gross Currency': gross.currency,
          'Gross Debit (GC)': grossDebit,
          'Gross Credit (GC)': grossCredit,
          'Exchange Rate': '1',
          'Net Currency': gross.currency,
          'Net Debit (NC)': netDebit,
          'Net Credit (NC)': netCredit,
          'Commission (NC)': fee ? dec(fee) : '',
          'Payment Method Variant': 'visaclassic',
          'Batch Number': String(batchOf(t)),
        },
      })
    }
    for (const p of payments) {
      if (p.outcome !== 'succeeded') continue
      row(p, ms(p.settledAt ?? p.createdAt), 'Settled', pspReference('capture', p.key), p.amount, 'credit', p.fee)
      for (const r of p.refunds) row(p, ms(r.at), 'Refunded', pspReference('refund', r.key), r.amount, 'debit', null)
      const d = p.dispute
      if (d) {
        row(p, ms(d.openedAt), 'Chargeback', pspReference('dispute', d.key), d.amount, 'debit', null)
        if (d.closedAt && d.outcome === 'won') row(p, ms(d.closedAt), 'ChargebackReversed', pspReference('dispute', d.key), d.amount, 'credit', null)
      }
    }
    timed.sort((a, b) => a.t - b.t)
    rowsByBatch = new Map()
    for (const {t, row: r} of timed) {
      const n = batchOf(t)
      let list = rowsByBatch.get(n)
      if (!list) rowsByBatch.set(n, (list = []))
      list.push(r)
    }
    return rowsByBatch
  }

  const created = new Map<string, {bodyHash: string; response: EmulatorResponse}>()
  let createdSeq = 0

  const authorize = (req: EmulatorRequest): EmulatorResponse => {
    let body: Record<string, unknown>
    try {
      body = JSON.parse(req.rawBody.toString('utf8')) as Record<string, unknown>
      if (!body || typeof body !== 'object' || Array.isArray(body)) throw new Error('not an object')
    } catch {
      return classicError(400, '702', 'Unable to parse the request body as JSON', 'validation')
    }
    const key = req.headers['idempotency-key']
    const bodyHash = createHash('sha256').update(req.rawBody).digest('hex')
    if (key !== undefined) {
      if (key.length > 64) return classicError(422, '000', 'Idempotency-Key is longer than 64 characters', 'validation')
      const seen = created.get(key)
      if (seen) {
        if (seen.bodyHash !== bodyHash) return classicError(422, '000', 'Idempotency-Key was already used with a different request body', 'validation')
        return seen.response
      }
    }
    if (body.merchantAccount !== MERCHANT_ACCOUNT) return classicError(403, '901', 'Invalid Merchant Account', 'security')
    const amount = body.amount as {currency?: unknown; value?: unknown} | undefined
    if (!amount || typeof amount.currency !== 'string' || typeof amount.value !== 'number') return classicError(422, '100', 'No amount specified', 'validation')
    let money: Money
    try {
      money = fromGatewayMinor(amount.value, amount.currency, facts.wire, 'amount.value')
      if (money.minor <= 0) throw new Error('not positive')
    } catch {
      return classicError(422, '137', 'Invalid amount specified', 'validation')
    }
    if (typeof body.reference !== 'string' || body.reference === '') return classicError(422, '130', 'Reference Missing', 'validation')
    const method = body.paymentMethod as {storedPaymentMethodId?: unknown} | undefined
    const shopper = body.shopperReference
    const customer = scenario.customers.find((c) => c.refs.adyen === shopper)
    if (!customer || typeof method?.storedPaymentMethodId !== 'string' || customer.paymentMethods.adyen !== method.storedPaymentMethodId) {
      return classicError(422, '800', 'Contract not found', 'validation')
    }
    const nowIso = new Date(clock.now()).toISOString()
    const history = payments.filter((p) => p.customer === customer.id && p.createdAt <= nowIso)
    const latest = history[history.length - 1]
    const psp = pspReference('created', key ?? `${body.reference}#${++createdSeq}`)
    const echoed = {currency: money.currency, value: toGatewayMinor(money, facts.wire)}
    const out =
      latest && latest.outcome === 'failed' && latest.decline
        ? {
            pspReference: psp,
            resultCode: 'Refused',
            refusalReason: REFUSAL_REASONS[DECLINES[latest.decline]]!.reason,
            refusalReasonCode: DECLINES[latest.decline],
            amount: echoed,
            merchantReference: body.reference,
          }
        : {pspReference: psp, resultCode: 'Authorised', amount: echoed, merchantReference: body.reference, additionalData: {authCode: psp.slice(-6)}}
    const response = json(200, out, key === undefined ? {} : {'Idempotency-Key': key})
    if (key !== undefined) created.set(key, {bodyHash, response})
    return response
  }

  const reportPath = new RegExp(`^/reports/download/MerchantAccount/([^/]+)/settlement_detail_report_batch_(\\d+)\\.csv$`)

  const handle = (req: EmulatorRequest): EmulatorResponse => {
    if (req.headers['x-api-key'] !== secrets.api_key) {
      return classicError(401, '000', 'HTTP Status Response - Unauthorized', 'security')
    }
    const report = reportPath.exec(req.path)
    if (req.method === 'GET' && report) {
      const account = decodeURIComponent(report[1]!)
      const n = Number(report[2])
      if (account !== MERCHANT_ACCOUNT || !batchExists(n)) return {status: 404, headers: {'content-type': 'text/plain'}, body: 'Not Found'}
      return {status: 200, headers: {'content-type': 'text/csv; charset=utf-8'}, body: formatSettlementReport(reportRows().get(n) ?? [])}
    }
    if (req.method === 'POST' && req.path === `/${CHECKOUT_VERSION}/payments`) return authorize(req)
    if (req.method === 'POST' && req.path === `/${CHECKOUT_VERSION}/paymentMethods`) {
      let body: {merchantAccount?: unknown} = {}
      try {
        body = JSON.parse(req.rawBody.toString('utf8')) as typeof body
      } catch {
        return classicError(400, '702', 'Unable to parse the request body as JSON', 'validation')
      }
      if (body.merchantAccount !== MERCHANT_ACCOUNT) return classicError(403, '901', 'Invalid Merchant Account', 'security')
      return json(200, {paymentMethods: [{name: 'Cards', type: 'scheme', brands: ['visa', 'mc', 'amex']}]})
    }
    return classicError(404, '000', `No such endpoint: ${req.method} ${req.path}`, 'validation')
  }

  const eventDate = (t: number): string => {
    const when = toCetWallClock(t)
    return `${when.date.replace(' ', 'T')}${when.offset}`
  }

  const notification = (at: number, item: Record<string, unknown> & {pspReference: string; eventCode: string; success: 'true' | 'false'; amount: {currency: string; value: number}; merchantReference: string; originalReference?: string}): SignedWebhook => {
    const full = {...item, merchantAccountCode: MERCHANT_ACCOUNT, eventDate: eventDate(at)}
    const signature = adyenHmac(hmacPayload(full), secrets.hmac_key)
    const additionalData = {...((item.additionalData as Record<string, string> | undefined) ?? {}), hmacSignature: signature}
    const body = {live: 'false', notificationItems: [{NotificationRequestItem: {...full, additionalData}}]}
    return {at: new Date(at).toISOString(), dedupId: dedupKeyFor(full), headers: {'content-type': 'application/json'}, body: JSON.stringify(body)}
  }

  const wire = (m: Money): {currency: string; value: number} => ({currency: m.currency, value: toGatewayMinor(m, facts.wire)})

  const webhookFor = (event: ScenarioEvent): SignedWebhook => {
    const p = event.payment
    const base = {merchantReference: referenceOf(p), paymentMethod: 'visa'}
    const paymentPsp = pspReference('payment', p.key)
    const at = ms(event.at)
    const authorisation = (ok: boolean): SignedWebhook => {
      const reason = ok || !p.decline ? undefined : REFUSAL_REASONS[DECLINES[p.decline]]!.reason
      return notification(at, {
        ...base,
        pspReference: paymentPsp,
        eventCode: 'AUTHORISATION',
        success: ok ? 'true' : 'false',
        amount: wire(p.amount),
        additionalData: {shopperReference: shopperOf(p)},
        ...(reason ? {reason} : {}),
      })
    }
    switch (event.type) {
      case 'payment.created':
        if (p.settledAt !== null) {
          return notification(at, {...base, pspReference: paymentPsp, eventCode: 'PENDING', success: 'true', amount: wire(p.amount), additionalData: {shopperReference: shopperOf(p)}})
        }
        return authorisation(p.outcome === 'succeeded')
      case 'payment.succeeded':
        return authorisation(true)
      case 'payment.failed':
        return authorisation(false)
      case 'refund.created': {
        const refund = event.refund!
        return notification(at, {...base, pspReference: pspReference('refund', refund.key), originalReference: paymentPsp, eventCode: 'REFUND', success: 'true', amount: wire(refund.amount)})
      }
      case 'dispute.opened': {
        const d = p.dispute!
        return notification(at, {...base, pspReference: pspReference('dispute', d.key), originalReference: paymentPsp, eventCode: 'CHARGEBACK', success: 'true', amount: wire(d.amount), additionalData: {disputeStatus: 'Undefended'}})
      }
      case 'dispute.closed': {
        const d = p.dispute!
        const won = d.outcome === 'won'
        return notification(at, {
          ...base,
          pspReference: pspReference('dispute', d.key),
          originalReference: paymentPsp,
          eventCode: won ? 'CHARGEBACK_REVERSED' : 'DISPUTE_DEFENSE_PERIOD_ENDED',
          success: 'true',
          amount: wire(d.amount),
          additionalData: {disputeStatus: won ? 'Won' : 'Lost'},
        })
      }
    }
  }

  const emulator: GatewayEmulator = {
    kind: 'adyen',
    secrets,
    settings: {merchant_account: MERCHANT_ACCOUNT},
    handle,
    webhooks(events) {
      const out = events.map(webhookFor)
      const batches = new Set(events.map((e) => batchOf(ms(e.at))).filter(batchExists))
      for (const n of [...batches].sort((a, b) => a - b)) {
        const file = reportFileName(n)
        out.push(
          notification(day0 + n * DAY, {
            pspReference: file,
            merchantReference: '',
            eventCode: 'REPORT_AVAILABLE',
            success: 'true',
            amount: {currency: 'EUR', value: 0},
            // Adyen sends an absolute ca-*.adyen.com link; the sandbox gives the path, which the adapter never
            // follows anyway (the pull walks batches by cursor).
            reason: `/reports/download/MerchantAccount/${MERCHANT_ACCOUNT}/${file}`,
          }),
        )
      }
      return out.map((w, i) => ({w, i})).sort((a, b) => (a.w.at < b.w.at ? -1 : a.w.at > b.w.at ? 1 : a.i - b.i)).map(({w}) => w)
    },
    externalId(object, key) {
      return pspReference(object, key)
    },
    declineFor(reason): {code: string; decision: Decision} {
      const code = DECLINES[reason]
      return {code, decision: REFUSAL_REASONS[code]!.decision}
    },
  }
  return emulator
}
