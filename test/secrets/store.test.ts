import {describe, expect, it} from 'vitest'

import {ConfigError, ExitCode, UsageError} from '../../src/core/errors.js'
import {KeychainUnavailableError, type KeychainBackend} from '../../src/secrets/keychain.js'
import {createMemoryKeychain} from '../../src/secrets/memory-keychain.js'
import {createSecretStore} from '../../src/secrets/store.js'

const SECRET = 'sk_test_9f8e7d6c5b4a'

/** A keychain that is not there, recording whether anyone asked it anything. */
function unreachableKeychain(): KeychainBackend & {calls: number} {
  const backend = {
    calls: 0,
    get(): string | undefined {
      backend.calls++
      throw new KeychainUnavailableError('no secret service provider or dbus session found')
    },
    set(): void {
      backend.calls++
      throw new KeychainUnavailableError('no secret service provider or dbus session found')
    },
    delete(): void {
      backend.calls++
      throw new KeychainUnavailableError('no secret service provider or dbus session found')
    },
  }
  return backend
}

function caught(fn: () => unknown): Error {
  try {
    fn()
  } catch (error) {
    return error as Error
  }
  throw new Error('expected a throw')
}

describe('secret store: environment and keychain', () => {
  it('reads the keychain under account <provider>/<field>', () => {
    const backend = createMemoryKeychain({'acme-stripe/api_key': SECRET})
    const store = createSecretStore({env: {}, backend})
    expect(store.get('acme-stripe', 'api_key')).toBe(SECRET)
    expect(store.source('acme-stripe', 'api_key')).toBe('keychain')
    expect(store.get('acme-stripe', 'webhook_secret')).toBeUndefined()
    expect(store.source('acme-stripe', 'webhook_secret')).toBeNull()
  })

  it('prefers the environment over the keychain', () => {
    const backend = createMemoryKeychain({'eu.adyen/api_key': 'from-keychain'})
    const store = createSecretStore({env: {YMS_PAY_SECRET_EU_ADYEN_API_KEY: 'from-env'}, backend})
    expect(store.get('eu.adyen', 'api_key')).toBe('from-env')
    expect(store.source('eu.adyen', 'api_key')).toBe('env')
    expect(store.require('eu.adyen', 'api_key')).toBe('from-env')
  })

  it('treats an empty environment variable as unset', () => {
    const backend = createMemoryKeychain({'acme-stripe/api_key': 'from-keychain'})
    const store = createSecretStore({env: {YMS_PAY_SECRET_ACME_STRIPE_API_KEY: ''}, backend})
    expect(store.get('acme-stripe', 'api_key')).toBe('from-keychain')
    expect(store.source('acme-stripe', 'api_key')).toBe('keychain')
  })

  it('set and delete go to the keychain; delete is idempotent', () => {
    const backend = createMemoryKeychain()
    const store = createSecretStore({env: {}, backend})
    store.set('sq-1', 'access_token', SECRET)
    expect(backend.entries.get('sq-1/access_token')).toBe(SECRET)
    expect(store.get('sq-1', 'access_token')).toBe(SECRET)
    store.delete('sq-1', 'access_token')
    store.delete('sq-1', 'access_token')
    expect(store.get('sq-1', 'access_token')).toBeUndefined()
  })

  it('refuses empty values and empty names', () => {
    const store = createSecretStore({env: {}, backend: createMemoryKeychain()})
    expect(caught(() => store.set('p', 'api_key', ''))).toBeInstanceOf(UsageError)
    expect(caught(() => store.get('', 'api_key'))).toBeInstanceOf(UsageError)
    expect(caught(() => store.get('p', ' '))).toBeInstanceOf(UsageError)
  })

  it('exposes envVarName', () => {
    expect(createSecretStore({env: {}, backend: createMemoryKeychain()}).envVarName('acme-stripe', 'api_key')).toBe(
      'YMS_PAY_SECRET_ACME_STRIPE_API_KEY',
    )
  })
})

describe('secret store: require()', () => {
  it('names the exact variable and the command, exit 78', () => {
    // Another provider's and another field's secrets are present: none of them may leak into the message.
    const store = createSecretStore({
      env: {YMS_PAY_SECRET_OTHER_API_KEY: SECRET},
      backend: createMemoryKeychain({'acme-stripe/webhook_secret': SECRET}),
    })
    const error = caught(() => store.require('acme-stripe', 'api_key'))
    expect(error).toBeInstanceOf(ConfigError)
    expect((error as ConfigError).exitCode).toBe(ExitCode.config)
    expect((error as ConfigError).exitCode).toBe(78)
    expect(error.message).toBe(
      'missing secret api_key for provider "acme-stripe": set YMS_PAY_SECRET_ACME_STRIPE_API_KEY or run `yms-pay providers rotate-secret acme-stripe --field api_key`',
    )
    expect(JSON.stringify({...error, message: error.message})).not.toContain(SECRET)
  })
})

describe('secret store: keychain unreachable', () => {
  it('an environment variable is enough: the keychain is not even asked', () => {
    const backend = unreachableKeychain()
    const store = createSecretStore({env: {YMS_PAY_SECRET_ACME_STRIPE_API_KEY: SECRET}, backend})
    expect(store.require('acme-stripe', 'api_key')).toBe(SECRET)
    expect(store.source('acme-stripe', 'api_key')).toBe('env')
    expect(backend.calls).toBe(0)
  })

  it('without one, get/require fail with exit 78 naming the variable and the unavailable keychain', () => {
    const store = createSecretStore({env: {}, backend: unreachableKeychain()})
    for (const fn of [
      () => store.get('acme-stripe', 'api_key'),
      () => store.require('acme-stripe', 'api_key'),
      () => store.source('acme-stripe', 'api_key'),
    ]) {
      const error = caught(fn)
      expect(error).toBeInstanceOf(KeychainUnavailableError)
      expect((error as ConfigError).exitCode).toBe(78)
      expect(error.message).toContain('keychain is unavailable')
      expect(error.message).toContain('no secret service provider or dbus session found')
      expect(error.message).toContain('YMS_PAY_SECRET_ACME_STRIPE_API_KEY')
      expect((error as ConfigError).hint).toContain('YMS_PAY_SECRET_')
    }
  })

  it('set/delete fail with exit 78, pointing at the variable, never echoing the value', () => {
    const store = createSecretStore({env: {}, backend: unreachableKeychain()})
    for (const fn of [
      () => store.set('acme-stripe', 'api_key', SECRET),
      () => store.delete('acme-stripe', 'api_key'),
    ]) {
      const error = caught(fn)
      expect(error).toBeInstanceOf(KeychainUnavailableError)
      expect((error as ConfigError).exitCode).toBe(78)
      expect(error.message).toContain('keychain is unavailable')
      expect(error.message).toContain('YMS_PAY_SECRET_ACME_STRIPE_API_KEY')
      expect(`${error.message} ${(error as ConfigError).hint}`).not.toContain(SECRET)
    }
  })

  it('errors other than unavailability pass through unchanged', () => {
    const boom = new Error('disk on fire')
    const store = createSecretStore({
      env: {},
      backend: {
        get: () => {
          throw boom
        },
        set: () => undefined,
        delete: () => undefined,
      },
    })
    expect(caught(() => store.get('p', 'f'))).toBe(boom)
  })
})
