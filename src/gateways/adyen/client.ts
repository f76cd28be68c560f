import {requireSecret} from '../secret.js'
import type {GatewayAdapter, GatewayClient} from '../types.js'
import {createCheckoutApi, createReportApi} from './api.js'
import {classifyAdyenError} from './classify.js'
import {facts} from './facts.js'
import {fetchAdyenReport} from './fetch-report.js'
import {createAdyenPayment} from './payments.js'
import {fetchAdyenPage, readCursor, reportBaseUrl} from './pull.js'
import {reportCredential} from './report-auth.js'
import {reportColumns} from './report-columns.js'
import type {ReportContext} from './report.js'
import {AdyenSettingsSchema} from './schema.js'
import {verifyAdyenWebhook} from './webhook.js'

/**
 * Adyen: the settlement details report pull (pull.ts) from the report host with the report credential
 * (report-auth.ts), HMAC-signed notifications, card-on-file payments with Idempotency-Key. The API version
 * travels in the path (api.ts).
 */
export const adapter: GatewayAdapter = {
  ...facts,
  settingsSchema: AdyenSettingsSchema as unknown as GatewayAdapter['settingsSchema'],
  connect(cfg, deps): GatewayClient {
    const settings = AdyenSettingsSchema.parse(cfg.settings)
    const ctx: ReportContext = {
      provider: cfg.providerId,
      merchantAccount: settings.merchant_account,
      columns: reportColumns(settings),
    }
    const reportsUrl = reportBaseUrl(cfg.baseUrl, settings.report_base_url)
    // Secrets are read when a call needs them: a pull needs no Checkout key when a report credential is set.
    const checkout = () => createCheckoutApi(deps.http, requireSecret(cfg, 'api_key'), cfg.providerId)
    const reports = () => createReportApi(deps.http, reportCredential(cfg, settings), cfg.providerId)
    return {
      async testConnection(signal) {
        await checkout().checkout('paymentMethods', {merchantAccount: ctx.merchantAccount}, {}, signal)
      },
      async fetchPage(cursor, signal) {
        return fetchAdyenPage(reports(), reportsUrl, ctx, readCursor(cursor), signal)
      },
      async verifyWebhook(req) {
        return verifyAdyenWebhook(req, requireSecret(cfg, 'hmac_key'), ctx)
      },
      async fetchObject(ref, signal) {
        return fetchAdyenReport(reports(), reportsUrl, ctx, ref, signal)
      },
      async createPayment(req, signal) {
        return createAdyenPayment(checkout(), ctx, deps.clock, req, signal)
      },
      classifyError: classifyAdyenError,
    }
  },
}
