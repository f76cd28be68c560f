import {z} from 'zod'

import {GATEWAY_CATALOG} from '../catalog.js'
import type {GatewayAdapter} from '../types.js'
import {connectStripe} from './client.js'

export const stripeAdapter: GatewayAdapter = {
  kind: 'stripe',
  capabilities: new Set(['pull', 'webhooks', 'create_payment'] as const),
  // Stripe needs no non-secret settings: the key identifies the account.
  settingsSchema: z.object({}).strict() as unknown as z.ZodType<Record<string, string>>,
  secretFields: GATEWAY_CATALOG.stripe.secretFields,
  defaultBaseUrl: GATEWAY_CATALOG.stripe.defaultBaseUrl,
  idempotencyHeader: 'Idempotency-Key',
  // Stripe stores the first response per Idempotency-Key, so re-sending the same POST cannot charge twice.
  retryAmbiguousPosts: true,
  connect: connectStripe,
}

