import {facts} from './facts.js'
import type {GatewayAdapter} from '../types.js'
import {createAdyenClient} from './client.js'
import {AdyenSettingsSchema} from './schema.js'

/**
 * Adyen. defaultBaseUrl is the live Checkout host WITHOUT the account's live prefix: a real live account must
 * pass `--base-url https://{prefix}-checkout-live.adyenpayments.com/checkout` (Customer Area → Developers →
 * API URLs); test accounts use https://checkout-test.adyen.com. The API version travels in the path (/v72).
 * 'pull' means the settlement detail report pull; 'settlement_report' says the pull is report-based.
 */
export const adapter: GatewayAdapter = {
  ...facts,
  settingsSchema: AdyenSettingsSchema as unknown as GatewayAdapter['settingsSchema'],
  connect: (cfg, deps) => createAdyenClient({...cfg, settings: AdyenSettingsSchema.parse(cfg.settings)}, deps),
}

