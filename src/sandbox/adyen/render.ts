import {formatGatewayDecimal, toGatewayMinor} from '../../core/money.js'
import type {Money} from '../../core/transaction.js'
import type {SignedWebhook} from '../emulator.js'
import type {ScenarioEvent, ScenarioPayment} from '../model.js'
import {REFUSAL_REASONS} from '../../gateways/adyen/classify.js'
import {facts} from '../../gateways/adyen/facts.js'
import {reportFileName} from '../../gateways/adyen/pull.js'
import {ianaOffsetMinutes} from '../../gateways/adyen/timezone.js'
import {adyenHmac, dedupKeyFor, hmacPayload} from '../../gateways/adyen/webhook.js'
import {type AdyenWorld, COMPANY_ACCOUNT, DECLINES, MERCHANT_ACCOUNT, pspReference, type ReportEntry} from './world.js'

/**
 * The world in Adyen's wire formats (docs/gateways.md#adyen-settlement-reports, #adyen-webhooks): settlement
 * report CSV and signed notifications. Times are written in Adyen's account zone, Europe/Amsterdam, labelled
 * CET or CEST.
 */

/** Settlement detail report columns in Adyen's order. */
const SDR_COLUMNS = [
  'Company Account',
  'Merchant Account',
  'Psp Reference',
  'Merchant Reference',
  'Payment Method',
  'Creation Date',
  'TimeZone',
  'Type',
  'Modification Reference',
  'Gross Currency',
  'Gross Debit (GC)',
  'Gross Credit (GC)',
  'Exchange Rate',
  'Net Currency',
  'Net Debit (NC)',
  'Net Credit (NC)',
  'Commission (NC)',
  'Markup (NC)',
  'Scheme Fees (NC)',
  'Interchange (NC)',
  'Payment Method Variant',
  'Modification Merchant Reference',
  'Batch Number',
  'Reserved4',
  'Reserved5',
  'Reserved6',
  'Reserved7',
  'Reserved8',
  'Reserved9',
  'Reserved10',
] as const
type SdrRow = Partial<Record<(typeof SDR_COLUMNS)[number], string>>

/** Epoch ms -> the wall-clock text and label for Adyen's CET/CEST (Europe/Amsterdam) account zone. */
function toCetWallClock(ms: number): {date: string; zone: 'CET' | 'CEST'; offset: string} {
  const offset = ianaOffsetMinutes('Europe/Amsterdam', ms) ?? 60
  const local = new Date(Math.floor(ms / 1000) * 1000 + offset * 60_000).toISOString()
  return {
    date: `${local.slice(0, 10)} ${local.slice(11, 19)}`,
    zone: offset === 120 ? 'CEST' : 'CET',
    offset: offset === 120 ? '+02:00' : '+01:00',
  }
}

const decimal = (m: Money): string => formatGatewayDecimal(m, facts.wire)
const wire = (m: Money): {currency: string; value: number} => ({
  currency: m.currency,
  value: toGatewayMinor(m, facts.wire),
})

/** A batch's entries as the report file Adyen serves. */
export function renderReport(world: AdyenWorld, entries: readonly ReportEntry[]): string {
  return formatSettlementReport(entries.map((e) => reportRow(world, e)))
}

function reportRow(world: AdyenWorld, e: ReportEntry): SdrRow {
  const when = toCetWallClock(e.at)
  const net: Money = e.fee ? {minor: e.gross.minor - e.fee.minor, currency: e.gross.currency} : e.gross
  const side = (m: Money): [string, string] => (e.direction === 'debit' ? [decimal(m), ''] : ['', decimal(m)])
  const [grossDebit, grossCredit] = side(e.gross)
  const [netDebit, netCredit] = side(net)
  return {
    'Company Account': COMPANY_ACCOUNT,
    'Merchant Account': MERCHANT_ACCOUNT,
    'Psp Reference': pspReference('payment', e.payment.key),
    'Merchant Reference': world.referenceOf(e.payment),
    'Payment Method': 'visa',
    'Creation Date': when.date,
    TimeZone: when.zone,
    Type: e.type,
    'Modification Reference': e.modification,
    'Gross Currency': e.gross.currency,
    'Gross Debit (GC)': grossDebit,
    'Gross Credit (GC)': grossCredit,
    'Exchange Rate': '1',
    'Net Currency': e.gross.currency,
    'Net Debit (NC)': netDebit,
    'Net Credit (NC)': netCredit,
    'Commission (NC)': e.fee ? decimal(e.fee) : '',
    'Payment Method Variant': 'visaclassic',
    'Batch Number': String(world.batchOf(e.at)),
  }
}

/** Rows in Adyen's column order, quoted where a cell needs it. */
function formatSettlementReport(rows: readonly SdrRow[]): string {
  const cell = (v: string): string => (/[",\r\n]/.test(v) ? `"${v.replace(/"/g, '""')}"` : v)
  const lines = [SDR_COLUMNS.join(',')]
  for (const row of rows) lines.push(SDR_COLUMNS.map((c) => cell(row[c] ?? '')).join(','))
  return `${lines.join('\n')}\n`
}

/** A notification item before the merchant account, event date and signature are added. */
export type NotificationItem = Record<string, unknown> & {
  pspReference: string
  eventCode: string
  success: 'true' | 'false'
  amount: {currency: string; value: number}
  merchantReference: string
  originalReference?: string
}

/** One item, signed as Adyen signs it with the merchant's HMAC key, in its own delivery. */
export function signedNotification(hmacKey: string, at: number, item: NotificationItem): SignedWebhook {
  const when = toCetWallClock(at)
  const full = {
    ...item,
    merchantAccountCode: MERCHANT_ACCOUNT,
    eventDate: `${when.date.replace(' ', 'T')}${when.offset}`,
  }
  const signature = adyenHmac(hmacPayload(full), hmacKey)
  const additionalData = {
    ...((item.additionalData as Record<string, string> | undefined) ?? {}),
    hmacSignature: signature,
  }
  const body = {live: 'false', notificationItems: [{NotificationRequestItem: {...full, additionalData}}]}
  return {
    at: new Date(at).toISOString(),
    dedupId: dedupKeyFor(full),
    headers: {'content-type': 'application/json'},
    body: JSON.stringify(body),
  }
}

/**
 * The notification a scenario event makes Adyen send: PENDING (bank debits until they settle), AUTHORISATION
 * true/false, REFUND, CHARGEBACK (opened), CHARGEBACK_REVERSED (won) or DISPUTE_DEFENSE_PERIOD_ENDED (lost).
 */
export function notificationFor(world: AdyenWorld, event: ScenarioEvent): NotificationItem {
  const p = event.payment
  const base = {merchantReference: world.referenceOf(p), paymentMethod: 'visa'}
  const paymentPsp = pspReference('payment', p.key)
  switch (event.type) {
    case 'payment.created':
      if (p.settledAt !== null) {
        return {
          ...base,
          pspReference: paymentPsp,
          eventCode: 'PENDING',
          success: 'true',
          amount: wire(p.amount),
          additionalData: {shopperReference: world.shopperOf(p)},
        }
      }
      return authorisation(world, p, p.outcome === 'succeeded')
    case 'payment.succeeded':
      return authorisation(world, p, true)
    case 'payment.failed':
      return authorisation(world, p, false)
    case 'refund.created': {
      const refund = event.refund!
      return {
        ...base,
        pspReference: pspReference('refund', refund.key),
        originalReference: paymentPsp,
        eventCode: 'REFUND',
        success: 'true',
        amount: wire(refund.amount),
      }
    }
    case 'dispute.opened': {
      const d = p.dispute!
      return {
        ...base,
        pspReference: pspReference('dispute', d.key),
        originalReference: paymentPsp,
        eventCode: 'CHARGEBACK',
        success: 'true',
        amount: wire(d.amount),
        additionalData: {disputeStatus: 'Undefended'},
      }
    }
    case 'dispute.closed': {
      const d = p.dispute!
      const won = d.outcome === 'won'
      return {
        ...base,
        pspReference: pspReference('dispute', d.key),
        originalReference: paymentPsp,
        eventCode: won ? 'CHARGEBACK_REVERSED' : 'DISPUTE_DEFENSE_PERIOD_ENDED',
        success: 'true',
        amount: wire(d.amount),
        additionalData: {disputeStatus: won ? 'Won' : 'Lost'},
      }
    }
  }
}

function authorisation(world: AdyenWorld, p: ScenarioPayment, ok: boolean): NotificationItem {
  const reason = ok || !p.decline ? undefined : REFUSAL_REASONS[DECLINES[p.decline]]!.reason
  return {
    merchantReference: world.referenceOf(p),
    paymentMethod: 'visa',
    pspReference: pspReference('payment', p.key),
    eventCode: 'AUTHORISATION',
    success: ok ? 'true' : 'false',
    amount: wire(p.amount),
    additionalData: {shopperReference: world.shopperOf(p)},
    ...(reason ? {reason} : {}),
  }
}

/** REPORT_AVAILABLE for batch n: the file name in pspReference, where to fetch it in reason. */
export function reportAvailable(n: number): NotificationItem {
  const file = reportFileName(n)
  return {
    pspReference: file,
    merchantReference: '',
    eventCode: 'REPORT_AVAILABLE',
    success: 'true',
    amount: {currency: 'EUR', value: 0},
    // Adyen sends an absolute ca-*.adyen.com link; the sandbox gives the path, which the adapter never follows
    // anyway (the pull walks batches by cursor).
    reason: `/reports/download/MerchantAccount/${MERCHANT_ACCOUNT}/${file}`,
  }
}
