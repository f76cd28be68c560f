import {UsageError} from '../errors.js'
import {normalizeAdviceCode} from './mastercard-advice.js'
import {normalizeNetworkCode} from './network-codes.js'

/**
 * The card-network rules yms-pay enforces per card on top of every decision, each an admin setting with the
 * documented default (docs/gateways.md#card-network-caps). The defaults are the stricter reading wherever the
 * networks' own numbers changed or are unconfirmed: a cap that is too strict costs a retry, one too loose a fine.
 */
export interface NetworkRules {
  /** Visa category 1, "issuer will never approve": after a decline with one of these, the card is never retried. */
  visaCategory1Codes: readonly string[]
  /** Most reattempts on one Visa card in 30 days (15; 20 where Visa's newer rule applies). */
  visaReattempts30d: number
  /** Mastercard merchant advice codes after which the card is never retried (03 do not try again, 21 stop recurring). */
  mastercardStopAdvice: readonly string[]
  /** Most declines on one Mastercard card in 24 hours. */
  mastercardDeclines24h: number
  /** Most declines on one Mastercard card in 30 days. */
  mastercardDeclines30d: number
}

export const DEFAULT_NETWORK_RULES: NetworkRules = {
  visaCategory1Codes: ['04', '07', '12', '14', '15', '41', '43', '46', '57', 'R0', 'R1', 'R3'],
  visaReattempts30d: 15,
  mastercardStopAdvice: ['03', '21'],
  mastercardDeclines24h: 10,
  mastercardDeclines30d: 35,
}

type CodeListKey = 'visaCategory1Codes' | 'mastercardStopAdvice'

interface Setting {
  /** The name admins type (`retry caps set <name> <value>`). */
  name: string
  key: keyof NetworkRules
  description: string
}

/** Every setting, in the order they are listed. */
export const NETWORK_RULE_SETTINGS: readonly Setting[] = [
  {
    name: 'visa-category-1-codes',
    key: 'visaCategory1Codes',
    description: 'Visa response codes after which the card is never retried (comma-separated; none: rule off)',
  },
  {name: 'visa-reattempts-30d', key: 'visaReattempts30d', description: 'most reattempts per Visa card in 30 days'},
  {
    name: 'mastercard-stop-advice',
    key: 'mastercardStopAdvice',
    description:
      'Mastercard merchant advice codes after which the card is never retried (comma-separated; none: rule off)',
  },
  {
    name: 'mastercard-declines-24h',
    key: 'mastercardDeclines24h',
    description: 'most declines per Mastercard card in 24 hours',
  },
  {
    name: 'mastercard-declines-30d',
    key: 'mastercardDeclines30d',
    description: 'most declines per Mastercard card in 30 days',
  },
]

const MAX_COUNT = 1000

export function networkRuleSetting(name: string): Setting {
  const setting = NETWORK_RULE_SETTINGS.find((s) => s.name === name)
  if (!setting)
    throw new UsageError(
      `unknown card-network setting "${name}"`,
      `known: ${NETWORK_RULE_SETTINGS.map((s) => s.name).join(', ')}`,
    )
  return setting
}

function isCodeList(key: keyof NetworkRules): key is CodeListKey {
  return key === 'visaCategory1Codes' || key === 'mastercardStopAdvice'
}

/** A setting's text (as typed, or as stored) -> its value, normalized; a UsageError names what is wrong. */
export function parseNetworkRule(name: string, text: string): NetworkRules[keyof NetworkRules] {
  const {key} = networkRuleSetting(name)
  const value = text.trim()
  if (isCodeList(key)) {
    if (value === '' || value === 'none') return []
    const normalize = key === 'mastercardStopAdvice' ? normalizeAdviceCode : normalizeNetworkCode
    const codes = value.split(',').map((raw) => {
      const part = raw.trim()
      const code = /^[0-9A-Z]{1,2}$/i.test(part) ? normalize(part) : null
      if (code === null) throw new UsageError(`${name}: "${part}" is not a network code such as 05 or R1`)
      return code
    })
    return [...new Set(codes)]
  }
  if (!/^\d+$/.test(value) || Number(value) > MAX_COUNT)
    throw new UsageError(`${name}: "${text}" is not a whole number from 0 to ${MAX_COUNT}`)
  return Number(value)
}

/** The value as admins type it (and as the settings table stores it). */
export function formatNetworkRule(rules: NetworkRules, name: string): string {
  const value = rules[networkRuleSetting(name).key]
  return Array.isArray(value) ? (value.length === 0 ? 'none' : value.join(',')) : String(value)
}

/** The defaults with the stored settings applied; a stored value that no longer parses is an error, never ignored. */
export function networkRulesFrom(stored: ReadonlyMap<string, string>): NetworkRules {
  const rules: Record<string, unknown> = {...DEFAULT_NETWORK_RULES}
  for (const [name, text] of stored) rules[networkRuleSetting(name).key] = parseNetworkRule(name, text)
  return rules as unknown as NetworkRules
}
