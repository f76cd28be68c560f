import type {GatewayFacts} from '../types.js'

/**
 * Adyen's facts (docs/gateways.md, Adyen). defaultBaseUrl is the live Checkout host WITHOUT the account's live
 * prefix: a live account passes `--base-url https://{prefix}-checkout-live.adyenpayments.com/checkout`; test
 * accounts use https://checkout-test.adyen.com. 'pull' is the settlement detail report pull, and
 * 'settlement_report' says that pull is report-based (docs/gateways.md#adyen-settlement-reports).
 */
export const facts: GatewayFacts = {
  kind: 'adyen',
  label: 'Adyen',
  capabilities: new Set(['pull', 'webhooks', 'create_payment', 'settlement_report'] as const),
  secretFields: ['api_key', 'hmac_key'],
  webhookSecretFields: ['hmac_key'],
  settings: {
    merchant_account: 'the Adyen merchant account code (required)',
    report_base_url: 'where settlement reports are downloaded (default: derived from the base URL)',
  },
  defaultBaseUrl: 'https://checkout-live.adyenpayments.com/checkout',
  idempotencyHeader: 'Idempotency-Key',
  retryAmbiguousPosts: true,
  retryHintHeader: null,
  wire: {
    gateway: 'adyen',
    deviations: {
      CLP: {exponent: 2, rule: 'Adyen uses 2 decimals for CLP'},
      ISK: {exponent: 2, rule: 'Adyen uses 2 decimals for ISK'},
      CVE: {exponent: 0, rule: 'Adyen uses 0 decimals for CVE'},
      IDR: {exponent: 0, rule: 'Adyen uses 0 decimals for IDR'},
    },
  },
}
