import {afterEach, describe, expect, it} from 'vitest'

import {GATEWAY_KINDS, gatewayFacts} from '../../src/gateways/registry.js'
import {type ChargeRule, parseChargeRules, steps} from '../../src/sandbox/charge-rules.js'
import type {PaymentOutcome} from '../../src/gateways/types.js'
import {manualClock} from '../helpers/sync-world.js'
import {chargeHarness, type ChargeHarness, NOW} from './charge-harness.js'

let h: ChargeHarness | undefined
afterEach(async () => {
  await h?.close()
  h = undefined
})

const failureOf = (o: PaymentOutcome) => (o.status === 'failed' ? o.failure : null)
// An approved charge: succeeded, or pending where the gateway settles later (a Braintree sale submitted for settlement).
const APPROVED = expect.stringMatching(/^(succeeded|pending)$/)

describe.each(GATEWAY_KINDS)('%s emulator: charges decline by rule, through the real adapter', (kind) => {
  it('a payment method that soft-declines its first two attempts, then succeeds; a replay consumes no attempt', async () => {
    h = await chargeHarness(
      kind,
      (c) => [{paymentMethod: c.paymentMethods[kind], steps: steps.softDeclinesFirst(2)}],
      manualClock(NOW),
    )
    const client = await h.client()
    const want = h.emulator.declineFor('insufficient_funds')
    const first = await client.createPayment!(h.request('pay-1:attempt-1'))
    expect(failureOf(first)).toMatchObject({code: want.code, decision: want.decision, origin: 'decline'})
    expect(failureOf(await client.createPayment!(h.request('pay-1:attempt-2')))).toMatchObject({code: want.code})
    const third = await client.createPayment!(h.request('pay-1:attempt-3'))
    expect(third.status).toEqual(APPROVED)
    // The same key again is the same charge, not a fourth attempt (Braintree has no keys: its adapter never re-sends).
    if (gatewayFacts(kind).idempotencyHeader !== null || kind === 'square') {
      const again = await client.createPayment!(h.request('pay-1:attempt-3'))
      expect(again).toMatchObject({
        status: 'succeeded',
        externalId: third.status === 'succeeded' ? third.externalId : '',
      })
    }
    expect(h.script.attempts().map((a) => a.step.outcome)).toEqual([
      'insufficient_funds',
      'insufficient_funds',
      'approve',
    ])
    // The emulator's own record: three charges of this customer's method, the last one approved, with its id.
    const made = h.script.charges()
    expect(made.map((c) => [c.gateway, c.customer, c.paymentMethod, c.approved])).toEqual([
      [kind, h.customer.id, h.customer.paymentMethods[kind], false],
      [kind, h.customer.id, h.customer.paymentMethods[kind], false],
      [kind, h.customer.id, h.customer.paymentMethods[kind], true],
    ])
    expect(made[2]).toMatchObject({externalId: third.externalId, amount: {minor: 1_250, currency: 'USD'}})
  })

  it('a payment method that hard-declines is terminal, every time', async () => {
    h = await chargeHarness(kind, (c) => [{customer: c.id, steps: steps.hardDeclines('stolen_card')}], manualClock(NOW))
    const client = await h.client()
    for (const key of ['hard:1', 'hard:2'])
      expect(failureOf(await client.createPayment!(h.request(key)))).toMatchObject({
        code: h.emulator.declineFor('stolen_card').code,
        decision: 'terminal',
      })
  })

  it("the card's brand and the network's codes reach the failure where the gateway reports them", async () => {
    h = await chargeHarness(
      kind,
      (c) => [
        {
          customer: c.id,
          brand: 'mastercard',
          steps: [{outcome: 'generic', networkCode: '05', networkAdvice: '24'}],
        },
      ],
      manualClock(NOW),
    )
    const failure = failureOf(await (await h.client()).createPayment!(h.request('mc:1')))
    const reports = {stripe: true, adyen: true, braintree: true, square: false, paypal: false}[kind]
    // A PayPal wallet is no card of the merchant's; Square names the brand but passes on no network codes.
    expect(failure?.network).toBe(kind === 'paypal' ? 'none' : 'mastercard')
    expect(failure?.networkCode).toBe(reports ? '05' : undefined)
    expect(failure?.networkAdvice).toBe(reports ? '24' : undefined)
  })

  it.each(['timeout', 'reset', '500'] as const)(
    'a charge processed and its answer lost (%s) is found again, never made twice',
    async (delivery) => {
      h = await chargeHarness(
        kind,
        (c) => [{customer: c.id, steps: steps.lostAfterProcessing(delivery)}],
        manualClock(NOW),
      )
      const impatient = await h.client({timeoutMs: 300, maxRetries: 0})
      const first = await impatient.createPayment!(h.request('lost:1')).catch((e: unknown) => e)
      // Without idempotency Braintree's adapter looks the sale up at once; the others leave the outcome unknown.
      if (kind === 'braintree') expect(first).toMatchObject({status: APPROVED})
      else if (first instanceof Error) expect(impatient.classifyError(first)).toBe('unknown')
      else expect((first as PaymentOutcome).status).toBe('unknown')
      if (kind !== 'braintree') {
        // The same key again: the gateway's stored answer (Stripe stored its 500, so that is what comes back).
        const again = await (await h.client()).createPayment!(h.request('lost:1')).catch((e: unknown) => e)
        if (kind === 'stripe' && delivery === '500') expect((again as PaymentOutcome).status).toBe('unknown')
        else expect(again).toMatchObject({status: 'succeeded'})
      }
      expect(h.script.attempts()).toHaveLength(1)
    },
  )
})

describe('idempotency keys are kept as long as each gateway keeps them', () => {
  const retention = {stripe: 24 * 3_600_000, adyen: 31 * 86_400_000, paypal: 6 * 3_600_000} as const
  it.each(Object.entries(retention))(
    '%s: the same key is the same charge until %d ms later, then a new one',
    async (kind, ms) => {
      const clock = manualClock(NOW)
      h = await chargeHarness(
        kind as keyof typeof retention,
        (c) => [{customer: c.id, steps: [{outcome: 'approve'}]}],
        clock,
      )
      const client = await h.client()
      const first = await client.createPayment!(h.request('kept:1'))
      clock.set(new Date(Date.parse(NOW) + ms - 1_000).toISOString())
      expect(await client.createPayment!(h.request('kept:1'))).toMatchObject({
        status: 'succeeded',
        externalId: (first as {externalId: string}).externalId,
      })
      expect(h.script.attempts()).toHaveLength(1)
      clock.set(new Date(Date.parse(NOW) + ms).toISOString())
      const later = await client.createPayment!(h.request('kept:1'))
      expect(later.status).toBe('succeeded')
      expect(h.script.attempts()).toHaveLength(2)
    },
  )

  it('square: keeps keys (its retention is unpublished); a changed body under the same key is refused', async () => {
    const clock = manualClock(NOW)
    h = await chargeHarness('square', (c) => [{customer: c.id, steps: [{outcome: 'approve'}]}], clock)
    const client = await h.client()
    await client.createPayment!(h.request('sq:1'))
    clock.set('2027-03-01T00:00:00.000Z')
    expect((await client.createPayment!(h.request('sq:1'))).status).toBe('succeeded')
    expect(await client.createPayment!(h.request('sq:1', 999))).toMatchObject({status: 'unknown'})
    expect(h.script.attempts()).toHaveLength(1)
  })

  it('stripe: a key longer than 255 characters is refused before anything is charged', async () => {
    h = await chargeHarness('stripe', (c) => [{customer: c.id, steps: [{outcome: 'approve'}]}], manualClock(NOW))
    const outcome = await (await h.client()).createPayment!(h.request('k'.repeat(256)))
    expect(outcome).toMatchObject({status: 'failed', failure: {origin: 'request', decision: 'terminal'}})
    expect(h.script.attempts()).toHaveLength(0)
  })
})

describe('charge rules files', () => {
  it('parses a list of rules and names what is wrong in a bad one', () => {
    const rules: ChargeRule[] = parseChargeRules(
      JSON.stringify([
        {paymentMethod: 'pm_1', brand: 'mastercard', steps: [{outcome: 'insufficient_funds'}, {outcome: 'approve'}]},
      ]),
      'rules.json',
    )
    expect(rules[0]?.steps).toHaveLength(2)
    expect(() => parseChargeRules('[{"steps": []}]', 'rules.json')).toThrow(/rules.json: 0.steps/)
    expect(() => parseChargeRules('[{"steps": [{"outcome": "maybe"}]}]', 'rules.json')).toThrow(/outcome/)
    expect(() => parseChargeRules('{', 'rules.json')).toThrow(/not JSON/)
  })
})
