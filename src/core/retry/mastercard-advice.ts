import type {Decision} from '../transaction.js'

/**
 * Mastercard merchant advice codes (MAC) on a declined payment, as Braintree and Antom list them
 * (docs/gateways.md#card-network-caps): what the network advises for the next attempt on this card. 40–43 describe
 * the card (prepaid, virtual) and advise nothing about retrying, so they are not here.
 */
const HOUR = 3_600_000
const DAY = 24 * HOUR

interface NetworkAdvice {
  decision: Decision
  /** The earliest next attempt after the decline, in ms (24–30: retry after 1 h … 10 days). */
  waitMs: number
}

const ADVICE: Readonly<Record<string, NetworkAdvice>> = {
  '01': {decision: 'terminal', waitMs: 0}, // new account information available: update the card, not this one
  '02': {decision: 'retry', waitMs: 0}, // cannot approve at this time, try again later
  '03': {decision: 'terminal', waitMs: 0}, // do not try again
  '04': {decision: 'terminal', waitMs: 0}, // token requirements not fulfilled for this token type
  '21': {decision: 'terminal', waitMs: 0}, // stop recurring payment (the cardholder cancelled)
  '24': {decision: 'retry', waitMs: HOUR},
  '25': {decision: 'retry', waitMs: DAY},
  '26': {decision: 'retry', waitMs: 2 * DAY},
  '27': {decision: 'retry', waitMs: 4 * DAY},
  '28': {decision: 'retry', waitMs: 6 * DAY},
  '29': {decision: 'retry', waitMs: 8 * DAY},
  '30': {decision: 'retry', waitMs: 10 * DAY},
}

/** `3`, `03`, `03: Do not try again` -> `03`; null when the value names no code. */
export function normalizeAdviceCode(value: string | null | undefined): string | null {
  const m = /^\s*(\d{1,2})(?!\d)/.exec(value ?? '')
  return m ? m[1]!.padStart(2, '0') : null
}

/** The advice a merchant advice code gives, or null for a code that advises nothing about retrying. */
export function mastercardAdvice(code: string | null | undefined): NetworkAdvice | null {
  const normalized = normalizeAdviceCode(code)
  return normalized ? (ADVICE[normalized] ?? null) : null
}
