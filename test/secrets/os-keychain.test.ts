import {createRequire} from 'node:module'

import {afterEach, describe, expect, it} from 'vitest'

import {ConfigError} from '../../src/core/errors.js'
import {KeychainUnavailableError} from '../../src/secrets/keychain.js'
import {createOsKeychain} from '../../src/secrets/os-keychain.js'
import {createSecretStore} from '../../src/secrets/store.js'
import {secretServiceStatus} from '../helpers/keyring-available.js'

// A service of its own, so a developer's real yms-pay credentials are never touched.
const SERVICE = 'yms-pay-test'
const PROVIDER = `kc-test-${process.pid}.eu`
const SECRET = 'sk_test_Zq9-w=x/y+1'
// Two ledgers' store ids: keychain accounts are <store id>/<provider>/<field>.
const NS = `a1b2c3d4-0000-4000-8000-${String(process.pid).padStart(12, '0')}`
const OTHER_NS = `a1b2c3d4-1111-4000-8000-${String(process.pid).padStart(12, '0')}`

const native = createRequire(import.meta.url)('@napi-rs/keyring') as typeof import('@napi-rs/keyring')
const status = secretServiceStatus()
if (!status.available) console.warn(`[skip] real Secret Service tests skipped: ${status.reason}`)

describe('OS keychain through a real Secret Service', () => {
  afterEach(() => {
    if (status.available)
      for (const field of ['api_key', 'webhook_secret'])
        for (const account of [
          `${NS}/${PROVIDER}/${field}`,
          `${OTHER_NS}/${PROVIDER}/${field}`,
          `${PROVIDER}/${field}`,
        ])
          new native.Entry(SERVICE, account).deletePassword()
  })

  it.skipIf(!status.available)('stores, reads back, shadows with env, and deletes', () => {
    const store = createSecretStore({namespace: NS, env: {}, service: SERVICE})
    expect(store.get(PROVIDER, 'api_key')).toBeUndefined()
    expect(store.source(PROVIDER, 'api_key')).toBeNull()

    store.set(PROVIDER, 'api_key', SECRET)
    // Read back with the bare binding: the value is really in the OS store under <store id>/<provider>/<field>.
    expect(new native.Entry(SERVICE, `${NS}/${PROVIDER}/api_key`).getPassword()).toBe(SECRET)
    expect(native.findCredentials(SERVICE)).toContainEqual({account: `${NS}/${PROVIDER}/api_key`, password: SECRET})

    // A fresh store (a later process, as far as the keychain knows) sees it.
    const later = createSecretStore({namespace: NS, env: {}, service: SERVICE})
    expect(later.require(PROVIDER, 'api_key')).toBe(SECRET)
    expect(later.source(PROVIDER, 'api_key')).toBe('keychain')

    const overridden = createSecretStore({
      namespace: NS,
      env: {[later.envVarName(PROVIDER, 'api_key')]: 'from-env'},
      service: SERVICE,
    })
    expect(overridden.get(PROVIDER, 'api_key')).toBe('from-env')

    store.set(PROVIDER, 'api_key', 'rotated')
    expect(later.get(PROVIDER, 'api_key')).toBe('rotated')

    store.delete(PROVIDER, 'api_key')
    expect(new native.Entry(SERVICE, `${NS}/${PROVIDER}/api_key`).getPassword()).toBeNull()
    expect(later.get(PROVIDER, 'api_key')).toBeUndefined()
    store.delete(PROVIDER, 'api_key')
    expect(() => later.require(PROVIDER, 'api_key')).toThrow(ConfigError)
  })

  it.skipIf(!status.available)('keeps fields apart', () => {
    const store = createSecretStore({namespace: NS, env: {}, service: SERVICE})
    store.set(PROVIDER, 'api_key', 'a')
    store.set(PROVIDER, 'webhook_secret', 'b')
    expect([store.get(PROVIDER, 'api_key'), store.get(PROVIDER, 'webhook_secret')]).toEqual(['a', 'b'])
  })
})

describe('per-ledger entries in a real Secret Service', () => {
  afterEach(() => {
    if (status.available)
      for (const account of [`${NS}/${PROVIDER}/api_key`, `${OTHER_NS}/${PROVIDER}/api_key`, `${PROVIDER}/api_key`])
        new native.Entry(SERVICE, account).deletePassword()
  })

  it.skipIf(!status.available)('two ledgers keep apart; a pre-upgrade shared entry is copied forward and left', () => {
    const first = createSecretStore({namespace: NS, env: {}, service: SERVICE})
    const second = createSecretStore({namespace: OTHER_NS, env: {}, service: SERVICE})
    first.set(PROVIDER, 'api_key', 'sk_test_firstLedgerKey')
    second.set(PROVIDER, 'api_key', 'sk_test_secondLedgerKey')
    second.delete(PROVIDER, 'api_key')
    expect(first.get(PROVIDER, 'api_key')).toBe('sk_test_firstLedgerKey')
    expect(second.get(PROVIDER, 'api_key')).toBeUndefined()

    first.delete(PROVIDER, 'api_key')
    new native.Entry(SERVICE, `${PROVIDER}/api_key`).setPassword(SECRET)
    const upgraded = createSecretStore({namespace: NS, env: {}, service: SERVICE, legacyProviders: new Set([PROVIDER])})
    expect(upgraded.get(PROVIDER, 'api_key')).toBe(SECRET)
    expect(new native.Entry(SERVICE, `${NS}/${PROVIDER}/api_key`).getPassword()).toBe(SECRET)
    expect(new native.Entry(SERVICE, `${PROVIDER}/api_key`).getPassword()).toBe(SECRET)
    // A ledger that did not have the provider before the upgrade does not see it.
    expect(second.get(PROVIDER, 'api_key')).toBeUndefined()
  })
})

describe('OS keychain when no Secret Service is reachable', () => {
  const saved = process.env.DBUS_SESSION_BUS_ADDRESS
  afterEach(() => {
    if (saved === undefined) delete process.env.DBUS_SESSION_BUS_ADDRESS
    else process.env.DBUS_SESSION_BUS_ADDRESS = saved
  })

  // The binding reads the bus address from the process environment on each connection.
  it.skipIf(process.platform !== 'linux')('fails with a clear exit-78 error, no backtrace, no value', () => {
    process.env.DBUS_SESSION_BUS_ADDRESS = 'unix:path=/nonexistent/yms-pay-test-bus'
    const backend = createOsKeychain(SERVICE)
    for (const fn of [
      () => backend.get('p/api_key'),
      () => backend.set('p/api_key', SECRET),
      () => backend.delete('p/api_key'),
    ]) {
      let error: unknown
      try {
        fn()
      } catch (e) {
        error = e
      }
      expect(error).toBeInstanceOf(KeychainUnavailableError)
      const e = error as KeychainUnavailableError
      expect(e.exitCode).toBe(78)
      expect(e.message).toMatch(/^the OS keychain is unavailable \(.+\)$/)
      expect(e.message).not.toMatch(/backtrace|\n/i)
      expect(e.message).not.toContain(SECRET)
    }

    const store = createSecretStore({namespace: NS, env: {}, service: SERVICE})
    expect(() => store.require('acme-stripe', 'api_key')).toThrow(
      /keychain is unavailable.*YMS_PAY_SECRET_ACME_STRIPE_API_KEY/,
    )
    const withEnv = createSecretStore({
      namespace: NS,
      env: {YMS_PAY_SECRET_ACME_STRIPE_API_KEY: SECRET},
      service: SERVICE,
    })
    expect(withEnv.require('acme-stripe', 'api_key')).toBe(SECRET)
  })
})
