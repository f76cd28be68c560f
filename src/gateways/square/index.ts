import type {EmulatorFactory} from '../../sandbox/emulator.js'
import type {GatewayAdapter} from '../types.js'
import {connectSquare, SquareSettingsSchema} from './client.js'
import {createSquareEmulator as createEmulator} from './emulator.js'

/** Square: pull (updated_at windows, see sync-cursor.ts), signed webhooks, CreatePayment with a body idempotency key. */
export const squareAdapter: GatewayAdapter = {
  kind: 'square',
  capabilities: new Set(['pull', 'webhooks', 'create_payment'] as const),
  settingsSchema: SquareSettingsSchema,
  secretFields: ['access_token', 'signature_key'],
  defaultBaseUrl: 'https://connect.squareup.com',
  idempotencyHeader: null,
  connect: connectSquare,
}

export const createSquareEmulator = createEmulator satisfies EmulatorFactory
