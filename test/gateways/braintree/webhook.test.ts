import {describe, expect, it} from 'vitest'

import {
  signBraintreePayload,
  verifyBraintreeSignature,
  verifyBraintreeWebhook,
} from '../../../src/gateways/braintree/webhook.js'
import {createBraintreeEmulator} from '../../../src/sandbox/braintree/emulator.js'
import {paymentsFor, scenarioEvents} from '../../../src/sandbox/model.js'
import {mutableClock, scenario} from './helpers.js'

// docs/gateways.md#braintree-webhooks: computed test vector.
const VECTOR = {
  publicKey: 'integration_public_key',
  privateKey: 'integration_private_key',
  payload: 'PG5vdGlmaWNhdGlvbj48a2luZD5jaGVjazwva2luZD48L25vdGlmaWNhdGlvbj4=\n',
  signature: 'integration_public_key|d53eaf7e941a322fd63f23a4c014828169ba83f4',
}
const keys = {publicKey: VECTOR.publicKey, privateKey: VECTOR.privateKey}
const form = (signature: string, payload: string) => ({
  headers: {'content-type': 'application/x-www-form-urlencoded'},
  rawBody: Buffer.from(new URLSearchParams({bt_signature: signature, bt_payload: payload}).toString()),
  url: 'https://hooks.example/braintree',
})

describe('bt_signature verification', () => {
  it('accepts the reference vector, with and without the trailing newline', () => {
    expect(verifyBraintreeSignature(VECTOR.signature, VECTOR.payload, keys)).toEqual({ok: true})
    expect(verifyBraintreeSignature(VECTOR.signature, VECTOR.payload.trimEnd(), keys)).toEqual({ok: true})
    expect(signBraintreePayload(VECTOR.publicKey, VECTOR.privateKey, VECTOR.payload)).toBe(VECTOR.signature)
  })

  it('finds its own pair among several joined with &', () => {
    expect(verifyBraintreeSignature(`other_key|${'0'.repeat(40)}&${VECTOR.signature}`, VECTOR.payload, keys).ok).toBe(
      true,
    )
  })

  it('rejects a wrong key, another public key, a tampered payload, and payloads with non-base64 characters', () => {
    expect(verifyBraintreeSignature(VECTOR.signature, VECTOR.payload, {...keys, privateKey: 'other'}).ok).toBe(false)
    expect(verifyBraintreeSignature(VECTOR.signature, VECTOR.payload, {...keys, publicKey: 'other'}).ok).toBe(false)
    expect(verifyBraintreeSignature(VECTOR.signature, VECTOR.payload.replace('PG5', 'PG6'), keys).ok).toBe(false)
    expect(verifyBraintreeSignature(VECTOR.signature, `${VECTOR.payload}<x>`, keys)).toMatchObject({
      ok: false,
      reason: expect.stringContaining('base64'),
    })
    expect(verifyBraintreeSignature('', VECTOR.payload, keys).ok).toBe(false)
    const rejected = verifyBraintreeSignature(`${VECTOR.publicKey}|${'a'.repeat(40)}`, VECTOR.payload, keys)
    expect(JSON.stringify(rejected)).not.toContain(VECTOR.privateKey)
  })

  it('a check notification verifies into a signal', async () => {
    const result = verifyBraintreeWebhook(form(VECTOR.signature, VECTOR.payload), keys, {providerId: 'bt'})
    expect(result).toMatchObject({ok: true, events: [{kind: 'signal', name: 'check'}]})
  })
})

describe('verifyBraintreeWebhook on the emulator webhooks', () => {
  const world = scenario(400)
  const clock = mutableClock('2026-03-01T00:00:00.000Z')
  const emulator = createBraintreeEmulator({scenario: world, share: 'own', clock})
  const hookKeys = {publicKey: emulator.settings.public_key!, privateKey: emulator.secrets.private_key}
  const events = scenarioEvents(paymentsFor(world, 'braintree', 'own'))
  const hooks = emulator.webhooks(events, 'https://hooks.example/braintree')
  const deliver = (body: string) => ({
    headers: {'content-type': 'application/x-www-form-urlencoded'},
    rawBody: Buffer.from(body),
    url: 'https://hooks.example/braintree',
  })

  it('translates settlements and dispute changes; the dedup key is kind:subject:timestamp and equals the emulator dedupId', () => {
    const kinds = new Set<string>()
    for (const hook of hooks) {
      const result = verifyBraintreeWebhook(deliver(hook.body), hookKeys, {providerId: 'bt'})
      if (!result.ok) throw new Error(result.reason)
      expect(result.dedupKey).toBe(hook.dedupId)
      kinds.add(result.dedupKey.split(':')[0]!)
      expect(result.events).toHaveLength(1)
      expect(result.events[0]!.kind).toBe('txn')
    }
    expect([...kinds].sort()).toEqual(expect.arrayContaining(['dispute_opened', 'transaction_settled']))
    const lost = hooks.find((h) => h.dedupId.startsWith('dispute_lost:'))
    if (lost) {
      const r = verifyBraintreeWebhook(deliver(lost.body), hookKeys, {providerId: 'bt'})
      expect(r).toMatchObject({ok: true, events: [{kind: 'txn', item: {txn: {type: 'dispute', status: 'lost'}}}]})
    }
    const settled = verifyBraintreeWebhook(
      deliver(hooks.find((h) => h.dedupId.startsWith('transaction_settled:'))!.body),
      hookKeys,
      {providerId: 'bt'},
    )
    expect(settled).toMatchObject({
      ok: true,
      events: [{kind: 'txn', item: {txn: {type: 'payment', status: 'succeeded'}}}],
    })
  })

  it('rejects a delivery whose payload was changed after signing', () => {
    const body = new URLSearchParams(hooks[0]!.body)
    const xml = Buffer.from(body.get('bt_payload')!, 'base64')
      .toString('utf8')
      .replace('<status>settled</status>', '<status>voided</status>')
    body.set('bt_payload', `${Buffer.from(xml).toString('base64')}\n`)
    expect(verifyBraintreeWebhook(deliver(body.toString()), hookKeys, {providerId: 'bt'}).ok).toBe(false)
  })

  it('a signed payload that is not XML is acknowledged and quarantined', () => {
    const payload = `${Buffer.from('<notification><kind>x</kind>').toString('base64')}\n`
    const result = verifyBraintreeWebhook(
      form(signBraintreePayload(hookKeys.publicKey, hookKeys.privateKey!, payload), payload),
      hookKeys,
      {providerId: 'bt'},
    )
    expect(result).toMatchObject({ok: true, events: [{kind: 'invalid', item: {reason: 'invalid_payload'}}]})
  })
})
