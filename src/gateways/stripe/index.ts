import {z} from 'zod'

import type {EmulatorFactory} from '../../sandbox/emulator.js'
import type {GatewayAdapter} from '../types.js'
import {connectStripe} from './client.js'
import {createStripeEmulator as createEmulator} from './emulator.js'

export const stripeAdapter: GatewayAdapter = {
  kind: 'stripe',
  capabilities: new Set(['pull', 'webhooks', 'create_payment'] as const),
  // Stripe needs no non-secret settings: the key identifies the account.
  settingsSchema: z.object({}).strict() as unknown as z.ZodType<Record<string, string>>,
  secretFields: ['api_key', 'webhook_secret'],
  defaultBaseUrl: 'https://api.stripe.com',
  idempotencyHeader: 'Idempotency-Key',
  // Stripe stores the first response per Idempotency-Key, so re-sending the same POST cannot charge twice.
  retryAmbiguousPosts: true,
  connect: connectStripe,
}

export const createStripeEmulator: EmulatorFactory = createEmulator
