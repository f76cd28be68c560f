import {facts} from './facts.js'
import type {GatewayAdapter} from '../types.js'
import {BraintreeSettingsSchema, connectBraintree} from './client.js'

/**
 * Braintree: pull (search windows over lifecycle timestamps, see sync.ts), signed webhooks, sales on stored
 * payment methods. No idempotency at Braintree: ambiguous POSTs are never re-sent (retryAmbiguousPosts false);
 * the client looks the sale up by order id instead (create-payment.ts).
 */
export const adapter: GatewayAdapter = {
  ...facts,
  settingsSchema: BraintreeSettingsSchema,
  connect: (cfg, deps) => connectBraintree(cfg, deps),
}

