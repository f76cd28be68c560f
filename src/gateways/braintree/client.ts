import {requireSecret} from '../secret.js'
import type {
  AdapterDeps,
  CreatePaymentRequest,
  GatewayAdapter,
  GatewayClient,
  PaymentOutcome,
  ProviderConfig,
} from '../types.js'
import {createBraintreeApi, testBraintreeConnection} from './api.js'
import {classifyBraintreeError} from './classify.js'
import {DEFAULT_WINDOW_TARGET} from './cycle.js'
import {facts} from './facts.js'
import {createBraintreePayment, lookupBraintreePayment} from './payments.js'
import {fetchBraintreePage, readCursor} from './pull.js'
import {BraintreeSettingsSchema, parseMerchantAccounts} from './schema.js'
import type {TranslateContext} from './translate.js'
import {verifyBraintreeWebhook} from './webhook.js'

export interface BraintreeConnectOptions {
  /** Ids per search window before it is halved (tests lower it). */
  windowTarget?: number
}

export type BraintreeClient = GatewayClient & {
  /** Resolves an ambiguous createPayment by looking for the sale by order id (Braintree has no idempotency). */
  lookupPayment(req: CreatePaymentRequest, sinceMs: number, signal?: AbortSignal): Promise<PaymentOutcome>
}

export function connectBraintree(
  cfg: ProviderConfig,
  deps: AdapterDeps,
  opts: BraintreeConnectOptions = {},
): BraintreeClient {
  const settings = BraintreeSettingsSchema.parse(cfg.settings)
  const publicKey = settings.public_key as string
  const merchantId = settings.merchant_id as string
  const accounts = parseMerchantAccounts(settings.merchant_accounts)
  const windowTarget = opts.windowTarget ?? DEFAULT_WINDOW_TARGET
  const ctx: TranslateContext = {providerId: cfg.providerId}
  const privateKey = () => requireSecret(cfg, 'private_key')
  const api = () =>
    createBraintreeApi(deps.http, {providerId: cfg.providerId, merchantId, publicKey, privateKey: privateKey()})
  return {
    async testConnection(signal) {
      return testBraintreeConnection(api(), signal)
    },
    async fetchPage(cursor, signal, fetchOpts) {
      return fetchBraintreePage(
        api(),
        ctx,
        readCursor(cursor),
        {clock: deps.clock, since: fetchOpts?.since, windowTarget},
        signal,
      )
    },
    async verifyWebhook(req) {
      return verifyBraintreeWebhook(req, {publicKey, privateKey: privateKey()}, ctx)
    },
    async createPayment(req, signal) {
      return createBraintreePayment(api(), ctx, accounts, req, deps.clock, signal)
    },
    async lookupPayment(req, sinceMs, signal) {
      return lookupBraintreePayment(api(), ctx, req, sinceMs, signal)
    },
    classifyError: classifyBraintreeError,
  }
}

/**
 * Braintree: pull (search windows over lifecycle timestamps, cycle.ts and pull.ts), signed webhooks, sales on
 * stored payment methods. No idempotency at Braintree: ambiguous POSTs are never re-sent (retryAmbiguousPosts
 * false); the sale is looked up by its order id instead (payments.ts).
 */
export const adapter: GatewayAdapter = {
  ...facts,
  settingsSchema: BraintreeSettingsSchema,
  connect: (cfg, deps) => connectBraintree(cfg, deps),
}
