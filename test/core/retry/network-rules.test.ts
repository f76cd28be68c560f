import {describe, expect, it} from 'vitest'

import {
  DEFAULT_NETWORK_RULES,
  formatNetworkRule,
  NETWORK_RULE_SETTINGS,
  networkRulesFrom,
  parseNetworkRule,
} from '../../../src/core/retry/network-rules.js'
import {UsageError} from '../../../src/core/errors.js'

describe('card-network settings', () => {
  it('defaults are the documented ones', () => {
    expect(DEFAULT_NETWORK_RULES).toEqual({
      visaCategory1Codes: ['04', '07', '12', '14', '15', '41', '43', '46', '57', 'R0', 'R1', 'R3'],
      visaReattempts30d: 15,
      mastercardStopAdvice: ['03', '21'],
      mastercardDeclines24h: 10,
      mastercardDeclines30d: 35,
    })
  })

  it('parses and formats each setting, round trip', () => {
    for (const {name} of NETWORK_RULE_SETTINGS) {
      const text = formatNetworkRule(DEFAULT_NETWORK_RULES, name)
      expect(formatNetworkRule(networkRulesFrom(new Map([[name, text]])), name)).toBe(text)
    }
    expect(parseNetworkRule('visa-reattempts-30d', '20')).toBe(20)
    expect(parseNetworkRule('visa-category-1-codes', ' 4, 41,r1 ,41')).toEqual(['04', '41', 'R1'])
    expect(parseNetworkRule('mastercard-stop-advice', 'none')).toEqual([])
    expect(networkRulesFrom(new Map([['visa-reattempts-30d', '20']])).visaReattempts30d).toBe(20)
  })

  it('refuses what is not a value of the setting', () => {
    expect(() => parseNetworkRule('visa-reattempts-30d', '-1')).toThrow(UsageError)
    expect(() => parseNetworkRule('visa-reattempts-30d', '1.5')).toThrow(UsageError)
    expect(() => parseNetworkRule('mastercard-stop-advice', 'R1')).toThrow(/network code/)
    expect(() => parseNetworkRule('visa-category-1-codes', '051')).toThrow(/network code/)
    expect(() => parseNetworkRule('amex-cap', '3')).toThrow(/unknown card-network setting "amex-cap"/)
    try {
      parseNetworkRule('amex-cap', '3')
    } catch (error) {
      expect((error as UsageError).hint).toMatch(/^known: visa-category-1-codes, visa-reattempts-30d/)
    }
  })
})
