import {afterEach, describe, expect, it} from 'vitest'

import {forgetSecrets, rememberSecret} from '../../src/secrets/scrub.js'
import {isSecretKey, redact, REDACTED} from '../../src/services/audit.js'

describe('redact', () => {
  it('masks secret-looking keys at any depth and in any case, keeping everything else', () => {
    const input = {
      provider: 'stripe-eu',
      api_key: 'k1',
      Secrets: {webhook_secret: 'w', WEBHOOK_SECRET: 'W'},
      headers: {Authorization: 'x', 'Stripe-Signature': 't=1,v1=abc', 'content-type': 'application/json'},
      list: [{client_secret: 'c', accessToken: 't', password: 'p', hmacKey: 'h', private_key: 'pk', key: 'k'}],
      settings: {merchant_account: 'M', location_id: 'L'},
      idempotencyKey: 'retry-7-2',
      amount: {minor: 1250, currency: 'EUR'},
    }
    expect(redact(input)).toEqual({
      provider: 'stripe-eu',
      api_key: REDACTED,
      Secrets: REDACTED,
      headers: {Authorization: REDACTED, 'Stripe-Signature': REDACTED, 'content-type': 'application/json'},
      list: [
        {
          client_secret: REDACTED,
          accessToken: REDACTED,
          password: REDACTED,
          hmacKey: REDACTED,
          private_key: REDACTED,
          key: REDACTED,
        },
      ],
      settings: {merchant_account: 'M', location_id: 'L'},
      idempotencyKey: 'retry-7-2',
      amount: {minor: 1250, currency: 'EUR'},
    })
  })

  it('masks credential-shaped values wherever they sit', () => {
    expect(
      redact({
        error: 'Bearer eyJhbGciOi',
        got: 'sk_test_51H8abc',
        hook: 'whsec_abc',
        url: 'https://user:hunter2@api.example.test/v1?access_token=abc&page=2&signature=zz',
        plain: 'insufficient_funds',
      }),
    ).toEqual({
      error: REDACTED,
      got: REDACTED,
      hook: REDACTED,
      url: `https://user:${REDACTED}@api.example.test/v1?access_token=${REDACTED}&page=2&signature=${REDACTED}`,
      plain: 'insufficient_funds',
    })
  })

  it('turns non-JSON values into JSON and survives cycles', () => {
    const cyclic: Record<string, unknown> = {name: 'loop'}
    cyclic.self = cyclic
    const shared = {x: 1}
    const error = Object.assign(new Error('card declined'), {code: 'card_declined', secret: 'leak'})
    expect(
      redact({
        when: new Date('2024-05-01T00:00:00Z'),
        big: 2n ** 70n,
        body: Buffer.from('abc'),
        err: error,
        cyclic,
        twice: [shared, shared],
        skip: undefined,
        fn: () => 1,
        nan: Number.NaN,
        map: new Map<string, string | number>([
          ['token', 't'],
          ['a', 1],
        ]),
      }),
    ).toEqual({
      when: '2024-05-01T00:00:00.000Z',
      big: '1180591620717411303424',
      body: '[3 bytes]',
      err: {name: 'Error', message: 'card declined', code: 'card_declined'},
      cyclic: {name: 'loop', self: '[Circular]'},
      twice: [{x: 1}, {x: 1}],
      nan: 'NaN',
      map: {token: REDACTED, a: 1},
    })
  })

  it.each([
    ['apiKey', true],
    ['X-Api-Key', true],
    ['signing_key', true],
    ['CARD_NUMBER', true],
    ['dedup_key', false],
    ['provider_key', false],
    ['merchant_account', false],
    ['status', false],
  ])('isSecretKey(%s) = %s', (key, expected) => {
    expect(isSecretKey(key)).toBe(expected)
  })
})

describe('redact: the secrets this process has read, in any encoding', () => {
  afterEach(forgetSecrets)

  it('are taken out of every string, however a gateway quoted them', () => {
    const key = 'sk_test_Ech0"quote/plus+amp&'
    rememberSecret(key)
    const basic = Buffer.from(`pk_public:${key}`).toString('base64')
    expect(
      redact({
        error: `HTTP 400: you sent ${key}`,
        nested: [{detail: `query ?auth=${encodeURIComponent(key)} json ${JSON.stringify(key)}`}],
        header: `Authorization was Basic ${basic}, thanks`,
      }),
    ).toEqual({
      error: `HTTP 400: you sent ${REDACTED}`,
      nested: [{detail: `query ?auth=${REDACTED} json "${REDACTED}"`}],
      header: `Authorization was Basic ${REDACTED}, thanks`,
    })
  })

  it('a URL whose user name is the token loses it too', () => {
    expect(redact({url: 'https://sk_test_tokenAsUser@api.example.test/v1'})).toEqual({
      url: `https://${REDACTED}@api.example.test/v1`,
    })
  })
})
