import {requireSecret} from '../secret.js'
import type {GatewayAdapter, GatewayClient} from '../types.js'
import {createAdyenApi} from './api.js'
import {classifyAdyenError} from './classify.js'
import {facts} from './facts.js'
import {createAdyenPayment} from './payments.js'
import {fetchAdyenPage, readCursor, reportBaseUrl} from './pull.js'
import {AdyenSettingsSchema} from './schema.js'
import type {TranslateContext} from './translate.js'
import {verifyAdyenWebhook} from './webhook.js'

/**
 * Adyen: the settlement detail report pull (pull.ts), HMAC-signed notifications, card-on-file payments with
 * Idempotency-Key. The API version travels in the path (api.ts); reports come from their own host.
 */
export const adapter: GatewayAdapter = {
  ...facts,
  settingsSchema: AdyenSettingsSchema as unknown as GatewayAdapter['settingsSchema'],
  connect(cfg, deps): GatewayClient {
    const settings = AdyenSettingsSchema.parse(cfg.settings)
    const ctx: TranslateContext = {provider: cfg.providerId, merchantAccount: settings.merchant_account}
    const reportsUrl = reportBaseUrl(cfg.baseUrl, settings.report_base_url)
    const api = () => createAdyenApi(deps.http, requireSecret(cfg, 'api_key'), cfg.providerId)
    return {
      async testConnection(signal) {
        await api().checkout('paymentMethods', {merchantAccount: ctx.merchantAccount}, {}, signal)
      },
      async fetchPage(cursor, signal) {
        return fetchAdyenPage(api(), reportsUrl, ctx, readCursor(cursor), signal)
      },
      async verifyWebhook(req) {
        return verifyAdyenWebhook(req, requireSecret(cfg, 'hmac_key'), ctx)
      },
      async createPayment(req, signal) {
        return createAdyenPayment(api(), ctx, deps.clock, req, signal)
      },
      classifyError: classifyAdyenError,
    }
  },
}
