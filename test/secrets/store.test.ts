import {afterEach, describe, expect, it} from 'vitest'

import {ConfigError, ExitCode, UsageError} from '../../src/core/errors.js'
import {KeychainUnavailableError, type KeychainBackend} from '../../src/secrets/keychain.js'
import {createMemoryKeychain} from '../../src/secrets/memory-keychain.js'
import {forgetSecrets, scrubSecrets} from '../../src/secrets/scrub.js'
import {createSecretStore} from '../../src/secrets/store.js'

const SECRET = 'sk_test_9f8e7d6c5b4a'
// A ledger's store id: keychain accounts are <store id>/<provider>/<field>.
const NS = 'b6f0e3c2-9a1d-4c5e-8f7a-2d3b4c5d6e7f'

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
  it('reads the keychain under account <store id>/<provider>/<field>', () => {
    const backend = createMemoryKeychain({[`${NS}/acme-stripe/api_key`]: SECRET})
    const store = createSecretStore({namespace: NS, env: {}, backend})
    expect(store.get('acme-stripe', 'api_key')).toBe(SECRET)
    expect(store.source('acme-stripe', 'api_key')).toBe('keychain')
    expect(store.get('acme-stripe', 'webhook_secret')).toBeUndefined()
    expect(store.source('acme-stripe', 'webhook_secret')).toBeNull()
  })

  it('prefers the environment over the keychain', () => {
    const backend = createMemoryKeychain({[`${NS}/eu.adyen/api_key`]: 'from-keychain'})
    const store = createSecretStore({namespace: NS, env: {YMS_PAY_SECRET_EU_ADYEN_API_KEY: 'from-env'}, backend})
    expect(store.get('eu.adyen', 'api_key')).toBe('from-env')
    expect(store.source('eu.adyen', 'api_key')).toBe('env')
    expect(store.require('eu.adyen', 'api_key')).toBe('from-env')
  })

  it('treats an empty environment variable as unset', () => {
    const backend = createMemoryKeychain({[`${NS}/acme-stripe/api_key`]: 'from-keychain'})
    const store = createSecretStore({namespace: NS, env: {YMS_PAY_SECRET_ACME_STRIPE_API_KEY: ''}, backend})
    expect(store.get('acme-stripe', 'api_key')).toBe('from-keychain')
    expect(store.source('acme-stripe', 'api_key')).toBe('keychain')
  })

  it('set and delete go to the keychain; delete is idempotent', () => {
    const backend = createMemoryKeychain()
    const store = createSecretStore({namespace: NS, env: {}, backend})
    store.set('sq-1', 'access_token', SECRET)
    expect(backend.entries.get(`${NS}/sq-1/access_token`)).toBe(SECRET)
    expect(store.get('sq-1', 'access_token')).toBe(SECRET)
    store.delete('sq-1', 'access_token')
    store.delete('sq-1', 'access_token')
    expect(store.get('sq-1', 'access_token')).toBeUndefined()
  })

  it('refuses empty values and empty names', () => {
    const store = createSecretStore({namespace: NS, env: {}, backend: createMemoryKeychain()})
    expect(caught(() => store.set('p', 'api_key', ''))).toBeInstanceOf(UsageError)
    expect(caught(() => store.get('', 'api_key'))).toBeInstanceOf(UsageError)
    expect(caught(() => store.get('p', ' '))).toBeInstanceOf(UsageError)
  })

  it('exposes envVarName', () => {
    expect(
      createSecretStore({namespace: NS, env: {}, backend: createMemoryKeychain()}).envVarName('acme-stripe', 'api_key'),
    ).toBe('YMS_PAY_SECRET_ACME_STRIPE_API_KEY')
  })
})

describe('secret store: require()', () => {
  it('names the exact variable and the command, exit 78', () => {
    // Another provider's and another field's secrets are present: none of them may leak into the message.
    const store = createSecretStore({
      namespace: NS,
      env: {YMS_PAY_SECRET_OTHER_API_KEY: SECRET},
      backend: createMemoryKeychain({[`${NS}/acme-stripe/webhook_secret`]: SECRET}),
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
    const store = createSecretStore({namespace: NS, env: {YMS_PAY_SECRET_ACME_STRIPE_API_KEY: SECRET}, backend})
    expect(store.require('acme-stripe', 'api_key')).toBe(SECRET)
    expect(store.source('acme-stripe', 'api_key')).toBe('env')
    expect(backend.calls).toBe(0)
  })

  it('without one, get/require fail with exit 78 naming the variable and the unavailable keychain', () => {
    const store = createSecretStore({namespace: NS, env: {}, backend: unreachableKeychain()})
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
    const store = createSecretStore({namespace: NS, env: {}, backend: unreachableKeychain()})
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
      namespace: NS,
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

describe('secret store: each ledger its own keychain entries', () => {
  const OTHER = '0c1d2e3f-4a5b-4c6d-8e7f-9a0b1c2d3e4f'

  it("two homes with a provider of the same id never read, overwrite or delete each other's key", () => {
    const backend = createMemoryKeychain()
    const first = createSecretStore({namespace: NS, env: {}, backend})
    const second = createSecretStore({namespace: OTHER, env: {}, backend})
    first.set('acme-stripe', 'api_key', 'sk_test_firstHomeKey')
    expect(second.get('acme-stripe', 'api_key')).toBeUndefined()
    second.set('acme-stripe', 'api_key', 'sk_test_secondHomeKey')
    expect(first.get('acme-stripe', 'api_key')).toBe('sk_test_firstHomeKey')
    second.delete('acme-stripe', 'api_key')
    expect(first.get('acme-stripe', 'api_key')).toBe('sk_test_firstHomeKey')
    expect([...backend.entries.keys()]).toEqual([`${NS}/acme-stripe/api_key`])
  })

  it('a provider that predates per-ledger entries reads the shared one, copies it into its own, and leaves it', () => {
    const backend = createMemoryKeychain({'acme-stripe/api_key': SECRET})
    const upgraded = createSecretStore({namespace: NS, env: {}, backend, legacyProviders: new Set(['acme-stripe'])})
    expect(upgraded.source('acme-stripe', 'api_key')).toBe('keychain')
    expect(upgraded.get('acme-stripe', 'api_key')).toBe(SECRET)
    expect(backend.entries.get(`${NS}/acme-stripe/api_key`)).toBe(SECRET)
    // Another home (or an older yms-pay) may still read the shared entry: it stays, and is named for the admin.
    expect(backend.entries.get('acme-stripe/api_key')).toBe(SECRET)
    expect(upgraded.legacyAccount('acme-stripe', 'api_key')).toBe('acme-stripe/api_key')
    // From now on this ledger's entry is the one that counts: a rotation or a delete leaves the shared one alone.
    upgraded.set('acme-stripe', 'api_key', 'sk_test_rotatedHere')
    expect(upgraded.get('acme-stripe', 'api_key')).toBe('sk_test_rotatedHere')
    upgraded.delete('acme-stripe', 'api_key')
    expect(backend.entries.get('acme-stripe/api_key')).toBe(SECRET)
  })

  it("a provider added after the upgrade never falls back to the shared entry (it would be another home's key)", () => {
    const backend = createMemoryKeychain({'acme-stripe/api_key': SECRET})
    const store = createSecretStore({namespace: NS, env: {}, backend, legacyProviders: new Set(['older'])})
    expect(store.get('acme-stripe', 'api_key')).toBeUndefined()
    expect(store.source('acme-stripe', 'api_key')).toBeNull()
    expect(store.legacyAccount('acme-stripe', 'api_key')).toBeNull()
    expect(backend.entries.has(`${NS}/acme-stripe/api_key`)).toBe(false)
  })

  it('a keychain that reads but refuses the copy still serves the shared entry', () => {
    const backend = createMemoryKeychain({'acme-stripe/api_key': SECRET})
    const readOnly: KeychainBackend = {
      ...backend,
      get: backend.get,
      set: () => {
        throw new KeychainUnavailableError('collection is locked')
      },
    }
    const store = createSecretStore({
      namespace: NS,
      env: {},
      backend: readOnly,
      legacyProviders: new Set(['acme-stripe']),
    })
    expect(store.get('acme-stripe', 'api_key')).toBe(SECRET)
  })

  it('refuses a namespace that is not a store id', () => {
    expect(() => createSecretStore({namespace: '', env: {}})).toThrow(/namespace/)
    expect(() => createSecretStore({namespace: 'a/b/c/d/e', env: {}})).toThrow(/namespace/)
  })
})

describe('secret store: what it reads, the scrubber knows', () => {
  afterEach(forgetSecrets)

  it('values from the environment, the keychain and set() are scrubbed from any later text', () => {
    const backend = createMemoryKeychain({[`${NS}/p/api_key`]: 'sk_test_fromTheKeychain'})
    const store = createSecretStore({
      namespace: NS,
      env: {YMS_PAY_SECRET_P_HMAC_KEY: 'hmac-from-the-environment'},
      backend,
    })
    const text = 'sk_test_fromTheKeychain hmac-from-the-environment sk_test_storedBySet'
    expect(scrubSecrets(text)).toBe(text)
    store.get('p', 'api_key')
    store.get('p', 'hmac_key')
    store.set('p', 'webhook_secret', 'sk_test_storedBySet')
    expect(scrubSecrets(text)).toBe('[REDACTED] [REDACTED] [REDACTED]')
  })
})
