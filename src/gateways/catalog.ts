import type {GatewayKind} from '../core/gateway-kind.js'

/**
 * What every command may need to know about a gateway without loading its adapter (zod, translators, …):
 * listing providers stays fast however many kinds are connected. The adapters take these values from here.
 */
export interface GatewayFacts {
  /** Secret field names, in the order a wizard asks for them. */
  secretFields: readonly string[]
  /** The subset that only verifies webhooks: a pull or a payment works without them. */
  webhookSecretFields: readonly string[]
  defaultBaseUrl: string
}

export const GATEWAY_CATALOG: Readonly<Record<GatewayKind, GatewayFacts>> = {
  stripe: {secretFields: ['api_key', 'webhook_secret'], webhookSecretFields: ['webhook_secret'], defaultBaseUrl: 'https://api.stripe.com'},
  adyen: {secretFields: ['api_key', 'hmac_key'], webhookSecretFields: ['hmac_key'], defaultBaseUrl: 'https://checkout-live.adyenpayments.com/checkout'},
  paypal: {secretFields: ['client_id', 'client_secret'], webhookSecretFields: [], defaultBaseUrl: 'https://api-m.paypal.com'},
  square: {secretFields: ['access_token', 'signature_key'], webhookSecretFields: ['signature_key'], defaultBaseUrl: 'https://connect.squareup.com'},
  braintree: {secretFields: ['private_key'], webhookSecretFields: [], defaultBaseUrl: 'https://api.braintreegateway.com'},
}
