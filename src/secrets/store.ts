import {ConfigError, UsageError} from '../core/errors.js'
import {KeychainUnavailableError, type KeychainBackend} from './keychain.js'
import {envVarName, KEYCHAIN_SERVICE, keychainAccount, storeCommand} from './names.js'
import {createOsKeychain} from './os-keychain.js'

export type SecretSource = 'env' | 'keychain'

/** A provider's secrets: environment override first (unattended runs), then the OS keychain. Never logs values. */
export interface SecretStore {
  /** The secret, or undefined when neither the environment nor the keychain holds it. */
  get(providerId: string, field: string): string | undefined
  /** Where the secret would come from, for `providers show`; never the value. */
  source(providerId: string, field: string): SecretSource | null
  /** The secret, or a ConfigError (exit 78) naming the variable and the command that would provide it. */
  require(providerId: string, field: string): string
  /** The error `require` throws for an absent secret. */
  missingError(providerId: string, field: string): ConfigError
  /** Stores in the keychain (an environment override, if set, still wins on reads). */
  set(providerId: string, field: string, value: string): void
  /** Removes from the keychain; removing an absent secret succeeds. */
  delete(providerId: string, field: string): void
  envVarName(providerId: string, field: string): string
}

export interface SecretStoreOptions {
  env?: NodeJS.ProcessEnv
  backend?: KeychainBackend
  service?: string
}

export function createSecretStore(opts: SecretStoreOptions = {}): SecretStore {
  const env = opts.env ?? process.env
  const service = opts.service ?? KEYCHAIN_SERVICE
  // The OS backend is built on first keychain use, so env-only runs never touch the native binding.
  let backend = opts.backend
  const keychain = (): KeychainBackend => (backend ??= createOsKeychain(service))

  // An empty variable counts as unset: CI templates often define secrets as empty placeholders.
  const fromEnv = (providerId: string, field: string): string | undefined => {
    const value = env[envVarName(providerId, field)]
    return value === undefined || value === '' ? undefined : value
  }

  const fromKeychain = (providerId: string, field: string): string | undefined => {
    try {
      const value = keychain().get(keychainAccount(providerId, field))
      return value === '' ? undefined : value
    } catch (error) {
      if (error instanceof KeychainUnavailableError) throw unavailableForRead(error, providerId, field)
      throw error
    }
  }

  const get = (providerId: string, field: string): string | undefined => {
    checkNames(providerId, field)
    return fromEnv(providerId, field) ?? fromKeychain(providerId, field)
  }

  return {
    get,
    source(providerId, field) {
      checkNames(providerId, field)
      if (fromEnv(providerId, field) !== undefined) return 'env'
      return fromKeychain(providerId, field) === undefined ? null : 'keychain'
    },
    require(providerId, field) {
      const value = get(providerId, field)
      if (value !== undefined) return value
      throw missingError(providerId, field)
    },
    missingError,
    set(providerId, field, value) {
      checkNames(providerId, field)
      if (value === '') throw new UsageError(`secret ${field} for provider "${providerId}" is empty`)
      try {
        keychain().set(keychainAccount(providerId, field), value)
      } catch (error) {
        if (error instanceof KeychainUnavailableError) throw unavailableForWrite(error, providerId, field)
        throw error
      }
    },
    delete(providerId, field) {
      checkNames(providerId, field)
      try {
        keychain().delete(keychainAccount(providerId, field))
      } catch (error) {
        if (error instanceof KeychainUnavailableError) throw unavailableForWrite(error, providerId, field)
        throw error
      }
    },
    envVarName,
  }
}

function missingError(providerId: string, field: string): ConfigError {
  return new ConfigError(
    `missing secret ${field} for provider "${providerId}": set ${envVarName(providerId, field)} or run \`${storeCommand(providerId, field)}\``,
    'Secrets are read from the environment first, then from the OS keychain.',
    'secret_missing',
  )
}

function checkNames(providerId: string, field: string): void {
  if (providerId.trim() === '') throw new UsageError('a provider id is required to look up a secret')
  if (field.trim() === '') throw new UsageError(`a secret field name is required for provider "${providerId}"`)
}

function unavailableForRead(
  error: KeychainUnavailableError,
  providerId: string,
  field: string,
): KeychainUnavailableError {
  const variable = envVarName(providerId, field)
  return new KeychainUnavailableError(
    error.reason,
    `cannot read secret ${field} for provider "${providerId}": the OS keychain is unavailable (${error.reason}); set ${variable} to provide it without a keychain`,
    'For unattended runs (cron, CI) use YMS_PAY_SECRET_* variables; interactively, start and unlock a Secret Service (e.g. gnome-keyring) in a D-Bus session.',
  )
}

function unavailableForWrite(
  error: KeychainUnavailableError,
  providerId: string,
  field: string,
): KeychainUnavailableError {
  const variable = envVarName(providerId, field)
  return new KeychainUnavailableError(
    error.reason,
    `cannot change secret ${field} for provider "${providerId}": the OS keychain is unavailable (${error.reason}); for unattended runs set ${variable} instead of storing it`,
    'Start and unlock a Secret Service (e.g. gnome-keyring) in a D-Bus session, or use YMS_PAY_SECRET_* variables.',
  )
}
