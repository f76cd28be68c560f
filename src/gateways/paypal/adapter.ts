import {GATEWAY_CATALOG} from '../catalog.js'
import type {GatewayAdapter} from '../types.js'
import {connectPaypal, PaypalSettingsSchema} from './client.js'

/**
 * PayPal: pull (transaction search in overlapping ≤31-day windows + disputes by update time, see
 * sync-cursor.ts), RSA-signed webhooks (verification API or an offline certificate, see webhook.ts), and
 * vaulted-wallet payments through Orders v2 with PayPal-Request-Id.
 */
export const paypalAdapter: GatewayAdapter = {
  kind: 'paypal',
  capabilities: new Set(['pull', 'webhooks', 'create_payment'] as const),
  settingsSchema: PaypalSettingsSchema,
  secretFields: GATEWAY_CATALOG.paypal.secretFields,
  defaultBaseUrl: GATEWAY_CATALOG.paypal.defaultBaseUrl,
  idempotencyHeader: 'PayPal-Request-Id',
  retryAmbiguousPosts: true,
  connect: connectPaypal,
}

