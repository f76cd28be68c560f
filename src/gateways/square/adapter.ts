import {GATEWAY_CATALOG} from '../catalog.js'
import type {GatewayAdapter} from '../types.js'
import {connectSquare, SquareSettingsSchema} from './client.js'

/** Square: pull (updated_at windows, see sync-cursor.ts), signed webhooks, CreatePayment with a body idempotency key. */
export const squareAdapter: GatewayAdapter = {
  kind: 'square',
  capabilities: new Set(['pull', 'webhooks', 'create_payment'] as const),
  settingsSchema: SquareSettingsSchema,
  secretFields: GATEWAY_CATALOG.square.secretFields,
  defaultBaseUrl: GATEWAY_CATALOG.square.defaultBaseUrl,
  idempotencyHeader: null,
  connect: connectSquare,
}

