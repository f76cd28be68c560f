import {z} from 'zod'

import {requireSecret} from '../secret.js'
import type {GatewayAdapter, GatewayClient} from '../types.js'
import {createStripeApi} from './api.js'
import {classifyStripeError} from './classify.js'
import {facts} from './facts.js'
import {createStripePayment} from './payments.js'
import {fetchStripePage, readCursor} from './pull.js'
import {fetchStripeObject} from './read-charge.js'
import {verifyStripeWebhook} from './webhook.js'

/** Stripe: a backfill then the events feed (pull.ts), signed webhooks, PaymentIntents with Idempotency-Key. */
export const adapter: GatewayAdapter = {
  ...facts,
  settingsSchema: z.object({}).strict() as unknown as z.ZodType<Record<string, string>>,
  connect(cfg, deps): GatewayClient {
    const provider = cfg.providerId
    const api = () => createStripeApi(deps.http, requireSecret(cfg, 'api_key'))
    return {
      async testConnection(signal) {
        await api().list('/v1/charges', {limit: 1}, 'GET /v1/charges', signal)
      },
      async fetchPage(cursor, signal, opts) {
        return fetchStripePage(api(), provider, readCursor(cursor, opts?.since), signal)
      },
      async verifyWebhook(req) {
        return verifyStripeWebhook(req, requireSecret(cfg, 'webhook_secret'), provider, deps.clock)
      },
      async fetchObject(ref, signal) {
        return fetchStripeObject(api(), provider, ref, signal)
      },
      async createPayment(req, signal) {
        return createStripePayment(api(), provider, req, signal)
      },
      classifyError: classifyStripeError,
    }
  },
}
