import {afterEach, describe, expect, it} from 'vitest'

import {overrideKey, type RetryRules, type RetryVerdict} from '../../src/core/retry/classification.js'
import {cardAttemptOf, decideRetry} from '../../src/core/retry/decide-retry.js'
import {type CardAttempt, checkNetworkCaps, knownNetwork} from '../../src/core/retry/network-caps.js'
import {DEFAULT_NETWORK_RULES, type NetworkRules} from '../../src/core/retry/network-rules.js'
import {GATEWAY_KINDS, type GatewayKind} from '../../src/gateways/registry.js'
import type {ChargeRule} from '../../src/sandbox/charge-rules.js'
import type {ScenarioCustomer} from '../../src/sandbox/model.js'
import {manualClock} from '../helpers/sync-world.js'
import {chargeHarness, type ChargeHarness, NOW} from './charge-harness.js'

/**
 * Issue 13's "Show", with an injected clock: a hard decline is never retried, and the card-network caps stop attempts
 * exactly at their limits. Each attempt is a real createPayment through the gateway's adapter against its emulator,
 * scripted by charge rules; between attempts a minimal loop stands in for the retry engine: it asks the caps before
 * sending (checkNetworkCaps) and decideRetry after each failure, and otherwise retries every hour.
 */
const HOUR = 3_600_000
const DAY = 24 * HOUR
const T0 = Date.parse(NOW)
const iso = (ms: number) => new Date(ms).toISOString()

let h: ChargeHarness | undefined
afterEach(async () => {
  await h?.close()
  h = undefined
})

interface Run {
  /** When each attempt was sent. */
  sent: number[]
  /** Why the loop stopped. */
  stop: RetryVerdict | {decision: 'capped'; reason: string} | {decision: 'succeeded'} | {decision: 'horizon'}
}

async function retryEveryHour(
  kind: GatewayKind,
  rules: (c: ScenarioCustomer) => ChargeRule[],
  retry: RetryRules,
  horizonMs: number,
): Promise<Run> {
  const clock = manualClock(NOW)
  h = await chargeHarness(kind, rules, clock)
  const client = await h.client()
  const history: CardAttempt[] = []
  const sent: number[] = []
  let at = T0
  for (let attempt = 0; at < T0 + horizonMs; attempt++) {
    const cap = checkNetworkCaps(knownNetwork(history), history, iso(at), retry.network)
    if (!cap.allowed) {
      if (cap.until === null) return {sent, stop: {decision: 'capped', reason: cap.rule}}
      at = Date.parse(cap.until)
      attempt--
      continue
    }
    clock.set(iso(at))
    const outcome = await client.createPayment!(h.request(`pay-1:attempt-${attempt}`))
    sent.push(at)
    const entry = cardAttemptOf({at: iso(at), reattempt: attempt > 0}, outcome)
    if (entry) history.push(entry)
    if (outcome.status !== 'failed') return {sent, stop: {decision: 'succeeded'}}
    const verdict = decideRetry(kind, outcome.failure, history, retry, iso(at))
    if (verdict.decision !== 'retry') return {sent, stop: verdict}
    at = Math.max(at + HOUR, verdict.notBefore ? Date.parse(verdict.notBefore) : 0)
  }
  return {sent, stop: {decision: 'horizon'}}
}

const rulesWith = (
  network: Partial<NetworkRules> = {},
  overrides: Record<string, 'retry' | 'terminal'> = {},
): RetryRules => ({
  overrides: new Map(Object.entries(overrides)),
  network: {...DEFAULT_NETWORK_RULES, ...network},
})
const softForever = (brand: 'visa' | 'mastercard') => (c: ScenarioCustomer) => [
  {customer: c.id, brand, steps: [{outcome: 'insufficient_funds' as const, networkCode: '51'}]},
]
/** The most sends inside any window of `windowMs` ending at a send. */
const busiestWindow = (sent: number[], windowMs: number) =>
  Math.max(...sent.map((end) => sent.filter((t) => t > end - windowMs && t <= end).length))

describe.each(GATEWAY_KINDS)('%s: a hard decline is never retried', (kind) => {
  it('one attempt, terminal, with the default rules', async () => {
    const run = await retryEveryHour(
      kind,
      (c) => [{customer: c.id, steps: [{outcome: 'stolen_card'}]}],
      rulesWith(),
      30 * DAY,
    )
    expect(run.sent).toEqual([T0])
    expect(run.stop).toMatchObject({decision: 'terminal'})
  })
})

// The gateways whose emulated cards carry a network the caps apply to (a PayPal wallet is none).
describe.each(['stripe', 'adyen', 'square', 'braintree'] as const)(
  '%s: the network caps stop attempts exactly at their limits',
  (kind) => {
    it('Mastercard: 10 declines in any 24 hours, the 11th exactly when the first leaves the window; 35 in 30 days', async () => {
      const run = await retryEveryHour(kind, softForever('mastercard'), rulesWith(), 31 * DAY)
      expect(run.sent.slice(0, 11).map((t) => (t - T0) / HOUR)).toEqual([0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 24])
      expect(busiestWindow(run.sent, DAY)).toBe(10)
      expect(busiestWindow(run.sent, 30 * DAY)).toBe(35)
      // The 36th waits for the first decline to leave the 30-day window, to the millisecond.
      expect(run.sent[35]).toBe(T0 + 30 * DAY)
    })

    it('Visa: the first attempt and 15 reattempts, then nothing until the first reattempt is 30 days old; 20 when set', async () => {
      const fifteen = await retryEveryHour(kind, softForever('visa'), rulesWith(), 31 * DAY)
      expect(fifteen.sent.slice(0, 17).map((t) => (t - T0) / HOUR)).toEqual([
        ...Array.from({length: 16}, (_, i) => i),
        30 * 24 + 1,
      ])
      expect(busiestWindow(fifteen.sent, 30 * DAY)).toBe(16)
      await h?.close()
      const twenty = await retryEveryHour(kind, softForever('visa'), rulesWith({visaReattempts30d: 20}), 29 * DAY)
      expect(twenty.sent).toHaveLength(21)
    })
  },
)

describe.each(['stripe', 'adyen', 'braintree'] as const)(
  '%s: network advice reported by the gateway stops or defers',
  (kind) => {
    it('a Visa category-1 decline is never retried, even where an override makes its code retryable', async () => {
      const override = {stripe: 'generic_decline', adyen: '2', braintree: '2046'}[kind]
      const run = await retryEveryHour(
        kind,
        (c) => [
          {customer: c.id, brand: 'visa', steps: [{outcome: 'generic', networkCode: '43'}, {outcome: 'approve'}]},
        ],
        rulesWith({}, {[overrideKey(kind, override)]: 'retry'}),
        30 * DAY,
      )
      expect(run).toEqual({
        sent: [T0],
        stop: expect.objectContaining({decision: 'terminal', reason: 'visa-category-1:43'}),
      })
    })

    it('Mastercard advice 21 (stop recurring) is never retried; 25 waits 24 hours before the next attempt', async () => {
      const stop = await retryEveryHour(
        kind,
        (c) => [
          {
            customer: c.id,
            brand: 'mastercard',
            steps: [{outcome: 'generic', networkAdvice: '21'}, {outcome: 'approve'}],
          },
        ],
        rulesWith(),
        30 * DAY,
      )
      expect(stop).toEqual({sent: [T0], stop: expect.objectContaining({reason: 'mastercard-stop-advice:21'})})
      await h?.close()
      const wait = await retryEveryHour(
        kind,
        (c) => [
          {
            customer: c.id,
            brand: 'mastercard',
            steps: [{outcome: 'generic', networkAdvice: '25'}, {outcome: 'approve'}],
          },
        ],
        rulesWith(),
        30 * DAY,
      )
      expect(wait).toEqual({sent: [T0, T0 + DAY], stop: {decision: 'succeeded'}})
    })
  },
)
