import type {GatewayFacts} from '../types.js'

/**
 * Adyen's facts (docs/gateways.md, Adyen). defaultBaseUrl is the live Checkout host WITHOUT the account's live
 * prefix: a live account passes `--base-url https://{prefix}-checkout-live.adyenpayments.com/checkout`; test
 * accounts use https://checkout-test.adyen.com. 'pull' is the settlement details report pull, and
 * 'settlement_report' says that pull is report-based (docs/gateways.md#adyen-settlement-reports). Reports have
 * their own host and their own credential (docs/gateways.md#adyen-auth): report_password (Basic, with the
 * report_user setting) or report_api_key; either may be absent, and then the api_key downloads them.
 */
export const facts: GatewayFacts = {
  kind: 'adyen',
  label: 'Adyen',
  capabilities: new Set(['pull', 'webhooks', 'create_payment', 'settlement_report'] as const),
  secretFields: ['api_key', 'report_api_key', 'report_password', 'hmac_key'],
  optionalSecretFields: ['report_api_key', 'report_password'],
  webhookSecretFields: ['hmac_key'],
  settings: {
    merchant_account: 'the Adyen merchant account code (required)',
    report_base_url:
      'the report host (default: https://ca-live.adyen.com for a live Checkout base URL, https://ca-test.adyen.com for the test one, else the base URL)',
    report_user: 'the report user for Basic auth, e.g. report@Company.YourCompany (with the secret report_password)',
    customer_column: 'the report column naming the customer (default: Shopper Reference)',
    invoice_column: 'the report column naming the invoice of payments yms-pay did not create (default: none)',
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
