import {facts} from './facts.js'
import type {GatewayAdapter} from '../types.js'
import {connectSquare, SquareSettingsSchema} from './client.js'

/** Square: pull (updated_at windows, see sync-cursor.ts), signed webhooks, CreatePayment with a body idempotency key. */
export const adapter: GatewayAdapter = {
  ...facts,
  settingsSchema: SquareSettingsSchema,
  connect: connectSquare,
}

