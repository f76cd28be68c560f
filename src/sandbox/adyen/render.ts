import {toGatewayMinor} from '../../core/money.js'
import type {Money} from '../../core/transaction.js'
import type {SignedWebhook} from '../emulator.js'
import type {ScenarioEvent, ScenarioPayment} from '../model.js'
import {REFUSAL_REASONS} from '../../gateways/adyen/classify.js'
import {facts} from '../../gateways/adyen/facts.js'
import {reportFileName} from '../../gateways/adyen/pull.js'
import {ianaOffsetMinutes} from '../../gateways/adyen/timezone.js'
import {adyenHmac, dedupKeyFor, hmacPayload} from '../../gateways/adyen/webhook.js'
import {type AdyenWorld, DECLINES, MERCHANT_ACCOUNT, pspReference} from './world.js'

/**
 * The world as Adyen's signed notifications (docs/gateways.md#adyen-webhooks); the report files: report-file.ts.
 * Times are written in Adyen's account zone, Europe/Amsterdam, labelled CET or CEST.
 */

/** Epoch ms -> the wall-clock text and label for Adyen's CET/CEST (Europe/Amsterdam) account zone. */
export function toCetWallClock(ms: number): {date: string; zone: 'CET' | 'CEST'; offset: string} {
  const offset = ianaOffsetMinutes('Europe/Amsterdam', ms) ?? 60
  const local = new Date(Math.floor(ms / 1000) * 1000 + offset * 60_000).toISOString()
  return {
    date: `${local.slice(0, 10)} ${local.slice(11, 19)}`,
    zone: offset === 120 ? 'CEST' : 'CET',
    offset: offset === 120 ? '+02:00' : '+01:00',
  }
}

const wire = (m: Money): {currency: string; value: number} => ({
  currency: m.currency,
  value: toGatewayMinor(m, facts.wire),
})

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
