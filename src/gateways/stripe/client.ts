import {ConfigError} from '../../errors.js'
import type {AdapterDeps, GatewayClient, ProviderConfig} from '../types.js'
import {createStripeApi} from './api.js'
import {classifyStripeError} from './classify.js'
import {createStripePayment} from './payments.js'
import {fetchStripePage, readCursor} from './sync.js'
import {verifyStripeWebhook} from './webhook.js'

export type StripeSettings = Record<string, never>

function secret(cfg: ProviderConfig<Record<string, string>>, field: string): string {
  const value = cfg.secrets[field]
  if (!value) throw new ConfigError(`provider ${cfg.providerId} has no ${field}`, `Store it with the providers commands or set YMS_PAY_SECRET_${cfg.providerId.toUpperCase().replace(/[^A-Z0-9]/g, '_')}_${field.toUpperCase()}.`)
  return value
}

export function connectStripe(cfg: ProviderConfig<Record<string, string>>, deps: AdapterDeps): GatewayClient {
  const provider = cfg.providerId
  // Secrets are read lazily: a provider configured for pulls only may have no webhook secret, and vice versa.
  const api = () => createStripeApi(deps.http, secret(cfg, 'api_key'))
  return {
    async testConnection(signal) {
      await api().list('/v1/charges', {limit: 1}, 'GET /v1/charges', signal)
    },
    fetchPage(cursor, signal, opts) {
      return fetchStripePage(api(), provider, readCursor(cursor, opts?.since), signal)
    },
    async verifyWebhook(req) {
      return verifyStripeWebhook(req, secret(cfg, 'webhook_secret'), provider, deps.clock)
    },
    createPayment(req, signal) {
      return createStripePayment(api(), provider, req, signal)
    },
    classifyError: classifyStripeError,
  }
}
