import {ConfigError, UsageError} from '../core/errors.js'
import {KeychainUnavailableError, type KeychainBackend} from './keychain.js'
import {envVarName, KEYCHAIN_SERVICE, keychainAccount, legacyKeychainAccount, storeCommand} from './names.js'
import {createOsKeychain} from './os-keychain.js'
import {rememberSecret} from './scrub.js'

export type SecretSource = 'env' | 'keychain'

/**
 * A provider's secrets: environment override first (unattended runs), then the OS keychain, under accounts of this
 * ledger's own (`<store id>/<provider>/<field>`). Never logs values; every value read or stored is remembered by the
 * scrubber (scrub.ts), so no error or stored text can carry it.
 */
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
  /** Removes this ledger's keychain entry; removing an absent secret succeeds. The shared legacy entry stays. */
  delete(providerId: string, field: string): void
  /** The pre-namespace shared account, when this provider predates namespacing and the entry is still there. */
  legacyAccount(providerId: string, field: string): string | null
  envVarName(providerId: string, field: string): string
}

export interface SecretStoreOptions {
  /** The ledger's store id (store_identity): the first part of every keychain account. */
  namespace: string
  env?: NodeJS.ProcessEnv
  backend?: KeychainBackend
  service?: string
  /**
   * Providers that predate per-store accounts. For them only, a keychain read that finds nothing under the store's
   * account falls back to the shared `<provider>/<field>` and copies the value forward. The shared entry is left in
   * place: other homes (and older yms-pay versions) may still read it, and deleting it would break them silently.
   */
  legacyProviders?: ReadonlySet<string>
}

export function createSecretStore(opts: SecretStoreOptions): SecretStore {
  const env = opts.env ?? process.env
  const service = opts.service ?? KEYCHAIN_SERVICE
  const legacy = opts.legacyProviders ?? new Set<string>()
  if (!/^[A-Za-z0-9-]{8,64}$/.test(opts.namespace)) throw new Error(`invalid keychain namespace ${opts.namespace}`)
  // The OS backend is built on first keychain use, so env-only runs never touch the native binding.
  let backend = opts.backend
  const keychain = (): KeychainBackend => (backend ??= createOsKeychain(service))
  const account = (providerId: string, field: string) => keychainAccount(opts.namespace, providerId, field)

  // An empty variable counts as unset: CI templates often define secrets as empty placeholders.
  const fromEnv = (providerId: string, field: string): string | undefined => {
    const value = env[envVarName(providerId, field)]
    return value === undefined || value === '' ? undefined : value
  }

  const fromLegacy = (providerId: string, field: string): string | undefined => {
    if (!legacy.has(providerId)) return undefined
    const value = keychain().get(legacyKeychainAccount(providerId, field)) || undefined
    if (value === undefined) return undefined
    try {
      keychain().set(account(providerId, field), value)
    } catch {
      // A keychain that reads but refuses writes (a locked collection): serve the shared entry, copy it next time.
    }
    return value
  }

  const fromKeychain = (providerId: string, field: string): string | undefined => {
    try {
      return keychain().get(account(providerId, field)) || fromLegacy(providerId, field)
    } catch (error) {
      if (error instanceof KeychainUnavailableError) throw unavailableForRead(error, providerId, field)
      throw error
    }
  }

  const get = (providerId: string, field: string): string | undefined => {
    checkNames(providerId, field)
    const value = fromEnv(providerId, field) ?? fromKeychain(providerId, field)
    rememberSecret(value)
    return value
  }

  const write = (providerId: string, field: string, change: (backend: KeychainBackend) => void): void => {
    checkNames(providerId, field)
    try {
      change(keychain())
    } catch (error) {
      if (error instanceof KeychainUnavailableError) throw unavailableForWrite(error, providerId, field)
      throw error
    }
  }

  return {
    get,
    source(providerId, field) {
      checkNames(providerId, field)
      if (fromEnv(providerId, field) !== undefined) return 'env'
      const value = fromKeychain(providerId, field)
      rememberSecret(value)
      return value === undefined ? null : 'keychain'
    },
    require(providerId, field) {
      const value = get(providerId, field)
      if (value !== undefined) return value
      throw missingError(providerId, field)
    },
    missingError,
    set(providerId, field, value) {
      if (value === '') throw new UsageError(`secret ${field} for provider "${providerId}" is empty`)
      rememberSecret(value)
      write(providerId, field, (kc) => kc.set(account(providerId, field), value))
    },
    delete(providerId, field) {
      write(providerId, field, (kc) => kc.delete(account(providerId, field)))
    },
    legacyAccount(providerId, field) {
      if (!legacy.has(providerId)) return null
      const name = legacyKeychainAccount(providerId, field)
      try {
        return keychain().get(name) ? name : null
      } catch {
        return null
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
