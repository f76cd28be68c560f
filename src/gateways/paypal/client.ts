import {z} from 'zod'

import {requireSecret} from '../secret.js'
import type {GatewayAdapter, GatewayClient} from '../types.js'
import {createPaypalApi} from './api.js'
import {classifyPaypalError} from './classify.js'
import {facts} from './facts.js'
import {fetchPaypalCapture} from './fetch-capture.js'
import {createAuthorizedHttp} from './oauth.js'
import {createPaypalPayment} from './payments.js'
import {fetchPaypalPage, probeTransactionSearch, readCursor} from './pull.js'
import {pemFileKey, verifyPaypalWebhook} from './webhook.js'

/**
 * Settings: `webhook_id` (the id PayPal gave the webhook subscription; signed into every delivery, so webhooks
 * cannot be verified without it; pull does not need it) and `webhook_cert_pem_file` (optional: a PEM certificate,
 * or public key, to verify webhooks offline instead of asking PayPal's verification API; see webhook.ts).
 */
const settingsSchema = z
  .object({
    webhook_id: z.string().min(1).optional(),
    webhook_cert_pem_file: z.string().min(1).optional(),
  })
  .strict()
  .transform((s): Record<string, string> => {
    const out: Record<string, string> = {}
    if (s.webhook_id) out.webhook_id = s.webhook_id
    if (s.webhook_cert_pem_file) out.webhook_cert_pem_file = s.webhook_cert_pem_file
    return out
  })

/**
 * PayPal: pull (transaction search in overlapping ≤31-day windows + disputes by update time, see pull.ts),
 * RSA-signed webhooks (verification API or an offline certificate, see webhook.ts), and vaulted-wallet payments
 * through Orders v2 with PayPal-Request-Id (payments.ts). One OAuth token cache per client (oauth.ts).
 */
export const adapter: GatewayAdapter = {
  ...facts,
  settingsSchema,
  connect(cfg, deps): GatewayClient {
    const ctx = {provider: cfg.providerId}
    const credentials = () => ({
      clientId: requireSecret(cfg, 'client_id'),
      clientSecret: requireSecret(cfg, 'client_secret'),
    })
    const api = createPaypalApi(
      createAuthorizedHttp({http: deps.http, clock: deps.clock, providerId: cfg.providerId, credentials}),
      cfg.providerId,
    )
    const webhookKey = pemFileKey(cfg.settings.webhook_cert_pem_file)
    return {
      async testConnection(signal) {
        await api.token(signal)
        await probeTransactionSearch(api, deps.clock.now(), signal)
      },
      fetchPage(cursor, signal, opts) {
        return fetchPaypalPage(api, ctx, readCursor(cursor), {now: deps.clock.now(), since: opts?.since}, signal)
      },
      verifyWebhook(req) {
        return verifyPaypalWebhook(
          req,
          {
            webhookId: cfg.settings.webhook_id,
            key: webhookKey,
            clock: deps.clock,
            verifyOnline: api.verifyWebhookSignature,
          },
          ctx,
        )
      },
      fetchObject(ref, signal) {
        return fetchPaypalCapture(api, ctx, ref, signal)
      },
      createPayment(req, signal) {
        return createPaypalPayment(api, ctx, req, signal)
      },
      classifyError: classifyPaypalError,
    }
  },
}
