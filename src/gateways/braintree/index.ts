import type {EmulatorFactory} from '../../sandbox/emulator.js'
import type {GatewayAdapter} from '../types.js'
import {BraintreeSettingsSchema, connectBraintree} from './client.js'
import {createBraintreeEmulator as createEmulator} from './emulator.js'

/**
 * Braintree: pull (search windows over lifecycle timestamps, see sync.ts), signed webhooks, sales on stored
 * payment methods. No idempotency at Braintree: ambiguous POSTs are never re-sent (retryAmbiguousPosts false);
 * the client looks the sale up by order id instead (create-payment.ts).
 */
export const braintreeAdapter: GatewayAdapter = {
  kind: 'braintree',
  capabilities: new Set(['pull', 'webhooks', 'create_payment'] as const),
  settingsSchema: BraintreeSettingsSchema,
  secretFields: ['private_key'],
  defaultBaseUrl: 'https://api.braintreegateway.com',
  idempotencyHeader: null,
  retryAmbiguousPosts: false,
  connect: (cfg, deps) => connectBraintree(cfg, deps),
}

export const createBraintreeEmulator: EmulatorFactory = createEmulator
