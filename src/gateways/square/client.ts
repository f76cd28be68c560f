import {z} from 'zod'

import {requireSecret} from '../secret.js'
import type {GatewayAdapter, GatewayClient} from '../types.js'
import {createSquareApi} from './api.js'
import {classifySquareError} from './classify.js'
import {facts} from './facts.js'
import {checkSquareConnection} from './locations.js'
import {createSquarePayment} from './payments.js'
import {fetchSquarePage, readCursor} from './pull.js'
import {verifySquareWebhook} from './webhook.js'

const SettingsSchema = z
  .object({
    location_id: z.string().min(1).optional(),
    notification_url: z.url().optional(),
  })
  .strict()
  .transform((s): Record<string, string> => {
    const out: Record<string, string> = {}
    if (s.location_id) out.location_id = s.location_id
    if (s.notification_url) out.notification_url = s.notification_url
    return out
  })

/** Square: pull (updated_at windows, see pull.ts), signed webhooks, CreatePayment with a body idempotency key. */
export const adapter: GatewayAdapter = {
  ...facts,
  settingsSchema: SettingsSchema,
  connect(cfg, deps): GatewayClient {
    const ctx = {providerId: cfg.providerId}
    const locationId = cfg.settings.location_id
    const api = () => createSquareApi(deps.http, requireSecret(cfg, 'access_token'), cfg.providerId)
    return {
      async testConnection(signal) {
        await checkSquareConnection(api(), locationId, signal)
      },
      async fetchPage(cursor, signal, opts) {
        return fetchSquarePage(api(), {ctx, locationId}, readCursor(cursor, opts?.since), signal)
      },
      async verifyWebhook(req) {
        return verifySquareWebhook(
          req,
          {notificationUrl: cfg.settings.notification_url, signatureKey: () => requireSecret(cfg, 'signature_key')},
          ctx,
        )
      },
      async createPayment(req, signal) {
        return createSquarePayment(api(), ctx, locationId, req, signal)
      },
      classifyError: classifySquareError,
    }
  },
}
