import type {GatewayFacts} from '../types.js'

/** Square's facts (docs/gateways.md, Square). */
export const facts: GatewayFacts = {
  kind: 'square',
  label: 'Square',
  capabilities: new Set(['pull', 'webhooks', 'create_payment'] as const),
  secretFields: ['access_token', 'signature_key'],
  webhookSecretFields: ['signature_key'],
  settings: {
    location_id: 'the location payments are created at',
    notification_url: 'the exact URL Square signs webhooks for',
  },
  defaultBaseUrl: 'https://connect.squareup.com',
  // The idempotency key travels in the request body.
  idempotencyHeader: null,
  retryAmbiguousPosts: true,
  retryHintHeader: null,
  wire: {gateway: 'square', deviations: {}},
}
