import {describe, expect, it} from 'vitest'

import {type CardAttempt, checkNetworkCaps} from '../../../src/core/retry/network-caps.js'
import {DEFAULT_NETWORK_RULES, type NetworkRules} from '../../../src/core/retry/network-rules.js'

const HOUR = 3_600_000
const T0 = Date.parse('2026-03-01T00:00:00.000Z')
const iso = (ms: number) => new Date(ms).toISOString()
const declines = (n: number, everyMs: number, extra: Partial<CardAttempt> = {}): CardAttempt[] =>
  Array.from({length: n}, (_, i) => ({at: iso(T0 + i * everyMs), outcome: 'declined', reattempt: i > 0, ...extra}))

describe('checkNetworkCaps (docs/gateways.md#card-network-caps)', () => {
  it('Mastercard: the 10th decline in 24 hours stops the card until the oldest leaves the window', () => {
    const nine = declines(9, HOUR)
    expect(checkNetworkCaps('mastercard', nine, iso(T0 + 9 * HOUR), DEFAULT_NETWORK_RULES)).toEqual({allowed: true})
    const ten = declines(10, HOUR)
    expect(checkNetworkCaps('mastercard', ten, iso(T0 + 10 * HOUR), DEFAULT_NETWORK_RULES)).toMatchObject({
      allowed: false,
      rule: 'mastercard-declines-24h',
      until: iso(T0 + 24 * HOUR),
    })
    expect(checkNetworkCaps('mastercard', ten, iso(T0 + 24 * HOUR - 1), DEFAULT_NETWORK_RULES).allowed).toBe(false)
    expect(checkNetworkCaps('mastercard', ten, iso(T0 + 24 * HOUR), DEFAULT_NETWORK_RULES).allowed).toBe(true)
  })

  it('Mastercard: at most 35 declines in 30 days', () => {
    const daily = declines(35, 20 * HOUR)
    const at = iso(T0 + 35 * 20 * HOUR)
    expect(checkNetworkCaps('mastercard', daily, at, DEFAULT_NETWORK_RULES)).toMatchObject({
      rule: 'mastercard-declines-30d',
      until: iso(T0 + 30 * 24 * HOUR),
    })
    expect(checkNetworkCaps('mastercard', daily.slice(1), at, DEFAULT_NETWORK_RULES).allowed).toBe(true)
  })

  it('Visa: 15 reattempts in 30 days by default, 20 when an admin sets the newer rule; first attempts do not count', () => {
    const sixteen = declines(16, 12 * HOUR) // the first attempt and 15 reattempts
    const at = iso(T0 + 16 * 12 * HOUR)
    expect(checkNetworkCaps('visa', sixteen, at, DEFAULT_NETWORK_RULES)).toMatchObject({rule: 'visa-reattempts-30d'})
    expect(checkNetworkCaps('visa', sixteen.slice(0, 15), at, DEFAULT_NETWORK_RULES).allowed).toBe(true)
    const newer: NetworkRules = {...DEFAULT_NETWORK_RULES, visaReattempts30d: 20}
    expect(checkNetworkCaps('visa', sixteen, at, newer).allowed).toBe(true)
    expect(checkNetworkCaps('visa', declines(21, 12 * HOUR), iso(T0 + 21 * 12 * HOUR), newer).allowed).toBe(false)
    expect(checkNetworkCaps('visa', declines(20, 12 * HOUR), iso(T0 + 21 * 12 * HOUR), newer).allowed).toBe(true)
    // Visa has no 24-hour cap: ten declines in a day are fine.
    expect(checkNetworkCaps('visa', declines(10, HOUR), iso(T0 + 10 * HOUR), DEFAULT_NETWORK_RULES).allowed).toBe(true)
  })

  it('a Visa category-1 decline or a Mastercard stop code in the history stops the card for good', () => {
    const history: CardAttempt[] = [
      {at: iso(T0), outcome: 'declined', reattempt: false, networkCode: '05'},
      {at: iso(T0 + HOUR), outcome: 'declined', reattempt: true, networkCode: '41'},
    ]
    expect(checkNetworkCaps('visa', history, iso(T0 + 90 * 24 * HOUR), DEFAULT_NETWORK_RULES)).toMatchObject({
      allowed: false,
      rule: 'visa-category-1',
      until: null,
    })
    const mc: CardAttempt[] = [{at: iso(T0), outcome: 'declined', reattempt: false, networkAdvice: '21'}]
    expect(checkNetworkCaps('mastercard', mc, iso(T0 + HOUR), DEFAULT_NETWORK_RULES)).toMatchObject({
      rule: 'mastercard-stop-advice',
      until: null,
    })
  })

  it('a card of unknown network is held to every network; Amex and non-cards to none of these caps', () => {
    const ten = declines(10, HOUR)
    const at = iso(T0 + 10 * HOUR)
    expect(checkNetworkCaps(null, ten, at, DEFAULT_NETWORK_RULES).allowed).toBe(false)
    expect(checkNetworkCaps('amex', ten, at, DEFAULT_NETWORK_RULES).allowed).toBe(true)
    expect(checkNetworkCaps('none', ten, at, DEFAULT_NETWORK_RULES).allowed).toBe(true)
    // The history can name the network when the latest failure did not.
    expect(checkNetworkCaps(null, declines(10, HOUR, {network: 'visa'}), at, DEFAULT_NETWORK_RULES).allowed).toBe(true)
  })

  it('an unanswered attempt counts as a decline; an approval does not count for Mastercard', () => {
    const mixed: CardAttempt[] = [
      ...declines(9, HOUR),
      {at: iso(T0 + 9 * HOUR), outcome: 'unknown', reattempt: true},
      {at: iso(T0 + 9 * HOUR), outcome: 'approved', reattempt: false},
    ]
    expect(checkNetworkCaps('mastercard', mixed, iso(T0 + 10 * HOUR), DEFAULT_NETWORK_RULES).allowed).toBe(false)
    expect(
      checkNetworkCaps('mastercard', mixed.slice(0, 9).concat(mixed[10]!), iso(T0 + 10 * HOUR), DEFAULT_NETWORK_RULES)
        .allowed,
    ).toBe(true)
  })

  it('attempts after `at` are not history yet; a cap of 0 allows nothing, ever', () => {
    const future = declines(10, HOUR).map((a) => ({...a, at: iso(Date.parse(a.at) + 48 * HOUR)}))
    expect(checkNetworkCaps('mastercard', future, iso(T0 + HOUR), DEFAULT_NETWORK_RULES).allowed).toBe(true)
    const none: NetworkRules = {...DEFAULT_NETWORK_RULES, mastercardDeclines24h: 0}
    expect(checkNetworkCaps('mastercard', [], iso(T0), none)).toMatchObject({allowed: false, until: null})
  })
})
