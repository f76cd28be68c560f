import {facts} from './facts.js'
import type {GatewayAdapter} from '../types.js'
import {connectPaypal, PaypalSettingsSchema} from './client.js'

/**
 * PayPal: pull (transaction search in overlapping ≤31-day windows + disputes by update time, see
 * sync-cursor.ts), RSA-signed webhooks (verification API or an offline certificate, see webhook.ts), and
 * vaulted-wallet payments through Orders v2 with PayPal-Request-Id.
 */
export const adapter: GatewayAdapter = {
  ...facts,
  settingsSchema: PaypalSettingsSchema,
  connect: connectPaypal,
}

