import {describe, expect, it} from 'vitest'

import {envVarName, keychainAccount, legacyKeychainAccount} from '../../src/secrets/names.js'

describe('envVarName', () => {
  it.each([
    ['acme-stripe', 'api_key', 'YMS_PAY_SECRET_ACME_STRIPE_API_KEY'],
    ['eu.adyen.live', 'hmac_key', 'YMS_PAY_SECRET_EU_ADYEN_LIVE_HMAC_KEY'],
    ['PayPal2', 'client-secret', 'YMS_PAY_SECRET_PAYPAL2_CLIENT_SECRET'],
    ['site 3/sq', 'access_token', 'YMS_PAY_SECRET_SITE_3_SQ_ACCESS_TOKEN'],
  ])('%s / %s -> %s', (provider, field, expected) => {
    expect(envVarName(provider, field)).toBe(expected)
  })

  it('replaces non-ASCII letters instead of upper-casing them into new letters', () => {
    expect(envVarName('straße', 'k')).toBe('YMS_PAY_SECRET_STRA_E_K')
    expect(envVarName('café', 'k')).toMatch(/^YMS_PAY_SECRET_[A-Z0-9_]+$/)
  })

  it('always yields a portable shell variable name', () => {
    for (const id of ['a-b', 'x.y.z', 'ü', '-', 'a b']) expect(envVarName(id, 'f-1')).toMatch(/^[A-Z_][A-Z0-9_]*$/)
  })
})

describe('keychainAccount', () => {
  it('is <store id>/<providerId>/<field>, id kept verbatim; the legacy shared account has no store id', () => {
    expect(keychainAccount('b6f0e3c2', 'acme-stripe', 'api_key')).toBe('b6f0e3c2/acme-stripe/api_key')
    expect(keychainAccount('b6f0e3c2', 'Eu.Adyen', 'hmac_key')).toBe('b6f0e3c2/Eu.Adyen/hmac_key')
    expect(legacyKeychainAccount('acme-stripe', 'api_key')).toBe('acme-stripe/api_key')
  })
})
