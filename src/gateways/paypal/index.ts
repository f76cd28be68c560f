import type {EmulatorFactory} from '../../sandbox/emulator.js'
import type {GatewayAdapter} from '../types.js'
import {connectPaypal, PaypalSettingsSchema} from './client.js'
import {createPaypalEmulator as createEmulator} from './emulator.js'

/**
 * PayPal: pull (transaction search in overlapping ≤31-day windows + disputes by update time, see
 * sync-cursor.ts), RSA-signed webhooks (verification API or an offline certificate, see webhook.ts), and
 * vaulted-wallet payments through Orders v2 with PayPal-Request-Id.
 */
export const paypalAdapter: GatewayAdapter = {
  kind: 'paypal',
  capabilities: new Set(['pull', 'webhooks', 'create_payment'] as const),
  settingsSchema: PaypalSettingsSchema,
  secretFields: ['client_id', 'client_secret'],
  defaultBaseUrl: 'https://api-m.paypal.com',
  idempotencyHeader: 'PayPal-Request-Id',
  retryAmbiguousPosts: true,
  connect: connectPaypal,
}

export const createPaypalEmulator: EmulatorFactory = createEmulator
