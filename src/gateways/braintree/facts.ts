import type {GatewayFacts} from '../types.js'

/**
 * Braintree's facts (docs/gateways.md, Braintree). No idempotency: an ambiguous POST is never re-sent; the sale
 * is looked up by its order id instead.
 */
export const facts: GatewayFacts = {
  kind: 'braintree',
  label: 'Braintree',
  capabilities: new Set(['pull', 'webhooks', 'create_payment'] as const),
  secretFields: ['private_key'],
  webhookSecretFields: [],
  settings: {
    merchant_id: 'the Braintree merchant id (required)',
    public_key: 'the API public key (required)',
    merchant_accounts: 'CUR:merchant_account_id pairs, comma-separated (which account a sale in each currency uses)',
  },
  defaultBaseUrl: 'https://api.braintreegateway.com',
  idempotencyHeader: null,
  retryAmbiguousPosts: false,
  retryHintHeader: null,
  wire: {gateway: 'braintree', deviations: {}},
}
