import {Webhook} from 'standardwebhooks'
import {describe, expect, it} from 'vitest'

import {signatureHeader, signingKey, signingSecretProblem} from '../../../src/services/alerts/sign.js'

// The test vector of /work/shared/reference/STANDARD-WEBHOOKS.md (docs/alerts.md#signing), checked there with the
// standardwebhooks package.
const VECTOR = {
  secret: 'whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw',
  id: 'msg_p5jXN8AQM9LWM0D4loKWxJek',
  timestamp: 1614265330,
  body: '{"test": 2432232314}',
  signature: 'v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE=',
}

const freshSecret = (byte: number) => `whsec_${Buffer.alloc(32, byte).toString('base64')}`

describe('Standard Webhooks signing', () => {
  it('reproduces the spec test vector', () => {
    const header = signatureHeader({id: VECTOR.id, timestamp: VECTOR.timestamp, body: VECTOR.body}, [
      signingKey(VECTOR.secret),
    ])
    expect(header).toBe(VECTOR.signature)
  })

  it("verifies with the reference implementation's Webhook.verify, and a tampered body or id does not", () => {
    const secret = freshSecret(7)
    const timestamp = Math.floor(Date.now() / 1000)
    const body = JSON.stringify({type: 'gateway_down', timestamp: new Date().toISOString(), data: {provider: 'p'}})
    const headers = {
      'webhook-id': 'msg_1',
      'webhook-timestamp': String(timestamp),
      'webhook-signature': signatureHeader({id: 'msg_1', timestamp, body}, [signingKey(secret)]),
    }
    expect(new Webhook(secret).verify(body, headers)).toMatchObject({type: 'gateway_down'})
    expect(() => new Webhook(secret).verify(body.replace('"p"', '"q"'), headers)).toThrow(/No matching signature/)
    expect(() => new Webhook(secret).verify(body, {...headers, 'webhook-id': 'msg_2'})).toThrow(/No matching/)
    expect(() => new Webhook(freshSecret(8)).verify(body, headers)).toThrow(/No matching signature/)
  })

  it('signs with every key given, so a receiver holding either secret of a rotation verifies', () => {
    const [oldSecret, newSecret] = [freshSecret(1), freshSecret(2)]
    const timestamp = Math.floor(Date.now() / 1000)
    const body = '{"type":"test"}'
    const signature = signatureHeader({id: 'msg_r', timestamp, body}, [signingKey(newSecret), signingKey(oldSecret)])
    expect(signature.split(' ')).toHaveLength(2)
    const headers = {'webhook-id': 'msg_r', 'webhook-timestamp': String(timestamp), 'webhook-signature': signature}
    for (const secret of [oldSecret, newSecret])
      expect(new Webhook(secret).verify(body, headers)).toEqual({type: 'test'})
    expect(() => new Webhook(freshSecret(3)).verify(body, headers)).toThrow()
  })

  it.each([
    ['MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw', /starts with whsec_/],
    ['whsec_not base64!', /standard base64/],
    ['whsec_c2hvcnQ=', /at least 24 bytes/],
  ])('refuses %j without quoting it', (secret, problem) => {
    expect(signingSecretProblem(secret)).toMatch(problem)
    expect(() => signingKey(secret)).toThrow(expect.objectContaining({exitCode: 2}))
    expect(() => signingKey(secret)).not.toThrow(secret)
  })
})
