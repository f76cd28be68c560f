import {GATEWAY_CATALOG} from '../catalog.js'
import type {GatewayAdapter} from '../types.js'
import {BraintreeSettingsSchema, connectBraintree} from './client.js'

/**
 * Braintree: pull (search windows over lifecycle timestamps, see sync.ts), signed webhooks, sales on stored
 * payment methods. No idempotency at Braintree: ambiguous POSTs are never re-sent (retryAmbiguousPosts false);
 * the client looks the sale up by order id instead (create-payment.ts).
 */
export const braintreeAdapter: GatewayAdapter = {
  kind: 'braintree',
  capabilities: new Set(['pull', 'webhooks', 'create_payment'] as const),
  settingsSchema: BraintreeSettingsSchema,
  secretFields: GATEWAY_CATALOG.braintree.secretFields,
  defaultBaseUrl: GATEWAY_CATALOG.braintree.defaultBaseUrl,
  idempotencyHeader: null,
  retryAmbiguousPosts: false,
  connect: (cfg, deps) => connectBraintree(cfg, deps),
}

