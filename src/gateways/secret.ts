import {ConfigError} from '../core/errors.js'
import type {ProviderConfig} from './types.js'

/**
 * A secret the call about to be made needs. Secrets are read lazily: a provider configured for pulls only may
 * have no webhook secret, and vice versa. The service that connected the provider says how to supply a missing
 * one (the environment variable and the command), so every gateway fails the same way: exit 78 with that hint.
 */
export function requireSecret(
  cfg: Pick<ProviderConfig<unknown>, 'providerId' | 'secrets' | 'missingSecret'>,
  field: string,
): string {
  const value = cfg.secrets[field]
  if (value) return value
  throw cfg.missingSecret?.(field) ?? new ConfigError(`provider ${cfg.providerId} has no secret "${field}"`)
}
