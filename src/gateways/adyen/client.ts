import {toGatewayMinor} from '../../core/money.js'
import {AuthError} from '../../core/errors.js'
import type {AdapterDeps, CreatePaymentRequest, GatewayClient, HttpResponse, Page, PaymentOutcome, ProviderConfig} from '../types.js'
import type {Cursor} from '../../core/cursor.js'
import {AdyenApiError, classifyAdyenError, parseErrorBody} from './classify.js'
import {formatMerchantReference} from './reference.js'
import {parseSettlementReport} from './report.js'
import {type AdyenSettings, PaymentResponseSchema} from './schema.js'
import {isoSeconds} from './timezone.js'
import {type TranslateContext, translatePaymentResponse} from './translate.js'
import {verifyAdyenWebhook} from './webhook.js'
import {facts} from './facts.js'

export const CHECKOUT_VERSION = 'v72'

/**
 * Production report host: ca-live.adyen.com for live checkout hosts, ca-test.adyen.com for the test host;
 * anything else (the sandbox emulator, a proxy) serves reports under the base URL itself.
 */
export function reportBaseUrl(baseUrl: string, configured: string | undefined): string {
  if (configured) return configured.replace(/\/+$/, '')
  const host = new URL(baseUrl).hostname
  if (/(^|[.-])checkout-live\.adyenpayments\.com$/.test(host) || host === 'checkout-live.adyen.com') return 'https://ca-live.adyen.com'
  if (host === 'checkout-test.adyen.com') return 'https://ca-test.adyen.com'
  return baseUrl.replace(/\/+$/, '')
}

export function reportFileName(batch: number): string {
  return `settlement_detail_report_batch_${batch}.csv`
}

function nextBatchOf(cursor: Cursor | null): number {
  const n = cursor?.nextBatch
  return typeof n === 'number' && Number.isSafeInteger(n) && n >= 1 ? n : 1
}

function secret(cfg: ProviderConfig<AdyenSettings>, field: 'api_key' | 'hmac_key'): string {
  const value = cfg.secrets[field]
  if (!value) throw new AuthError(`adyen provider ${cfg.providerId} has no ${field}`, `Store it with \`yms-pay providers set-secret ${cfg.providerId} ${field}\`.`, 'secret_missing')
  return value
}

/**
 * How Adyen sync sees changes: there is no list API. The pull walks settlement detail report batches in order
 * (cursor {nextBatch}); a 404 means that batch is not generated yet and the cursor stays. Reports only hold
 * money movements (settled payments, refunds, chargebacks and their reversals); pending, failed and finally
 * lost states arrive only by webhook.
 */
export function createAdyenClient(cfg: ProviderConfig<AdyenSettings>, deps: AdapterDeps): GatewayClient {
  const merchantAccount = cfg.settings.merchant_account
  const ctx: TranslateContext = {providerId: cfg.providerId, merchantAccount}
  const reports = reportBaseUrl(cfg.baseUrl, cfg.settings.report_base_url)
  const authHeaders = (): Record<string, string> => ({'x-api-key': secret(cfg, 'api_key'), accept: 'application/json'})

  const failOn = (res: HttpResponse, endpoint: string): never => {
    const body = parseErrorBody(res.status, res.text())
    if (res.status === 401 || res.status === 403) {
      throw new AuthError(`adyen refused the credentials of provider ${cfg.providerId} (${endpoint}: HTTP ${res.status}${body.errorCode ? ` ${body.errorCode}` : ''})`, 'Check the api_key and that its role allows this call.')
    }
    throw new AdyenApiError(endpoint, res.status, body)
  }

  const postJson = async (path: string, endpoint: string, body: unknown, signal?: AbortSignal, idempotencyKey?: string): Promise<HttpResponse> => {
    const res = await deps.http.request(
      {method: 'POST', path, endpoint, headers: {...authHeaders(), 'content-type': 'application/json'}, body: JSON.stringify(body), idempotencyKey},
      signal,
    )
    return res.status >= 200 && res.status < 300 ? res : failOn(res, endpoint)
  }

  return {
    async testConnection(signal) {
      await postJson(`/${CHECKOUT_VERSION}/paymentMethods`, `POST /${CHECKOUT_VERSION}/paymentMethods`, {merchantAccount}, signal)
    },

    async fetchPage(cursor, signal): Promise<Page> {
      const batch = nextBatchOf(cursor)
      const file = reportFileName(batch)
      const url = `${reports}/reports/download/MerchantAccount/${encodeURIComponent(merchantAccount)}/${file}`
      const endpoint = 'GET /reports/download/settlement_detail_report_batch'
      const res = await deps.http.request({method: 'GET', path: url, endpoint, headers: {...authHeaders(), accept: 'text/csv'}}, signal)
      if (res.status === 404) return {items: [], invalid: [], next: {nextBatch: batch}, hasMore: false}
      if (res.status !== 200) failOn(res, endpoint)
      const parsed = parseSettlementReport(ctx, res.text(), file)
      return {items: parsed.items, invalid: parsed.invalid, next: {nextBatch: batch + 1}, hasMore: true}
    },

    async verifyWebhook(req) {
      return verifyAdyenWebhook(req, secret(cfg, 'hmac_key'), ctx)
    },

    async createPayment(req: CreatePaymentRequest, signal): Promise<PaymentOutcome> {
      const invoiceRef = req.metadata.invoiceRef ?? null
      const reference = formatMerchantReference({customerRef: req.customerRef, invoiceRef, paymentKey: req.idempotencyKey})
      const body = {
        amount: {currency: req.amount.currency, value: toGatewayMinor(req.amount, facts.wire)},
        merchantAccount,
        reference,
        paymentMethod: {type: 'scheme', storedPaymentMethodId: req.paymentMethodRef},
        shopperReference: req.customerRef,
        shopperInteraction: 'ContAuth',
        recurringProcessingModel: 'UnscheduledCardOnFile',
        metadata: req.metadata,
      }
      const endpoint = `POST /${CHECKOUT_VERSION}/payments`
      const res = await postJson(`/${CHECKOUT_VERSION}/payments`, endpoint, body, signal, req.idempotencyKey)
      let json: unknown
      try {
        json = res.json()
      } catch {
        return {status: 'unknown', externalId: null, reason: `${endpoint}: HTTP ${res.status} with a body that is not JSON`}
      }
      const parsed = PaymentResponseSchema.safeParse(json)
      if (!parsed.success) return {status: 'unknown', externalId: null, reason: `${endpoint}: unexpected response shape`}
      return translatePaymentResponse(ctx, parsed.data, {amount: req.amount, customerRef: req.customerRef, invoiceRef, reference}, isoSeconds(deps.clock.now()))
    },

    classifyError: classifyAdyenError,
  }
}
