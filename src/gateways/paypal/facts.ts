import {zeroDecimal} from '../../core/wire-rule.js'
import type {GatewayFacts} from '../types.js'

/** PayPal's facts (docs/gateways.md, PayPal). */
export const facts: GatewayFacts = {
  kind: 'paypal',
  label: 'PayPal',
  capabilities: new Set(['pull', 'webhooks', 'create_payment'] as const),
  secretFields: ['client_id', 'client_secret'],
  webhookSecretFields: [],
  settings: {
    webhook_id: 'the webhook id PayPal signs notifications for (needed to verify webhooks)',
    webhook_cert_pem_file: 'a PayPal signing certificate on disk, for offline verification',
  },
  defaultBaseUrl: 'https://api-m.paypal.com',
  idempotencyHeader: 'PayPal-Request-Id',
  retryAmbiguousPosts: true,
  retryHintHeader: null,
  wire: {
    gateway: 'paypal',
    deviations: zeroDecimal('HUF JPY TWD', 'PayPal does not support decimals for this currency'),
  },
}
