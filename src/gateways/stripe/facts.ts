import {zeroDecimal} from '../../core/wire-rule.js'
import type {GatewayFacts} from '../types.js'

/** Stripe's facts (docs/gateways.md, Stripe). */
export const facts: GatewayFacts = {
  kind: 'stripe',
  label: 'Stripe',
  capabilities: new Set(['pull', 'webhooks', 'create_payment'] as const),
  secretFields: ['api_key', 'webhook_secret'],
  webhookSecretFields: ['webhook_secret'],
  // The key identifies the account: no non-secret settings.
  settings: {},
  defaultBaseUrl: 'https://api.stripe.com',
  idempotencyHeader: 'Idempotency-Key',
  // Stripe stores the first response per Idempotency-Key, so re-sending the same POST cannot charge twice.
  retryAmbiguousPosts: true,
  // stripe-node's RequestSender obeys it in both directions (Stripe sends `false` on most 500s).
  retryHintHeader: 'stripe-should-retry',
  wire: {
    gateway: 'stripe',
    deviations: {
      ...zeroDecimal('BIF CLP DJF GNF JPY KMF KRW MGA PYG RWF VND VUV XAF XOF XPF', 'Stripe zero-decimal currency'),
      ISK: {exponent: 2, rule: 'Stripe sends ISK as two-decimal amounts whose last two digits are 00'},
      UGX: {exponent: 2, rule: 'Stripe sends UGX as two-decimal amounts whose last two digits are 00'},
      ...Object.fromEntries(
        'BHD JOD KWD OMR TND'.split(' ').map((c) => [
          c,
          {
            exponent: 3,
            sendMultipleOf: 10,
            rule: `Stripe three-decimal currency: the last digit of a ${c} amount must be 0`,
          },
        ]),
      ),
      // Charges are two-decimal; only manual payouts must be divisible by 100 (not a charge/refund rule).
      HUF: {exponent: 2, rule: 'Stripe two-decimal HUF'},
      TWD: {exponent: 2, rule: 'Stripe two-decimal TWD'},
    },
  },
}
