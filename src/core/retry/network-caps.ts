import type {CardNetwork} from './card-network.js'
import {normalizeAdviceCode} from './mastercard-advice.js'
import {normalizeNetworkCode} from './network-codes.js'
import type {NetworkRules} from './network-rules.js'

/**
 * The card-network rules, checked per card before every attempt (docs/gateways.md#card-network-caps). Pure: the
 * caller passes the card's attempt history and the time of the attempt it is about to make.
 */
const DAY_MS = 86_400_000

/** One payment attempt on a card: what reached the gateway and got an answer, or none. */
export interface CardAttempt {
  /** ISO time the attempt was sent. */
  at: string
  /**
   * `declined`: refused (a failure whose origin is `decline`); `unknown`: no answer (a timeout, a reset), counted as
   * a decline, the conservative reading. A request that failed before any decision on the payment (throttled, not
   * sent) is no attempt on the card and is left out of the history.
   */
  outcome: 'approved' | 'declined' | 'unknown'
  /** An automated retry of a failed payment (Visa's "reattempt"), as opposed to the payment's first attempt. */
  reattempt: boolean
  network?: CardNetwork
  /** The issuer's raw response code of a decline (Failure.networkCode). */
  networkCode?: string
  /** Mastercard's merchant advice code of a decline (Failure.networkAdvice). */
  networkAdvice?: string
}

export type CapCheck =
  | {allowed: true}
  | {
      allowed: false
      /** Which rule: visa-category-1, mastercard-stop-advice, visa-reattempts-30d, mastercard-declines-24h/-30d. */
      rule: string
      detail: string
      /** When the rule allows the next attempt (ISO), or null: never on this card. */
      until: string | null
    }

/**
 * Whether one more attempt on the card is allowed at `at`. `network` is the card's network when known; a card
 * whose network no gateway reported is held to every network's rules. The history is every attempt on this card
 * (the one just made included), in any order.
 */
export function checkNetworkCaps(
  network: CardNetwork | null,
  history: readonly CardAttempt[],
  at: string,
  rules: NetworkRules,
): CapCheck {
  const card = network ?? knownNetwork(history)
  const visa = card === null || card === 'visa'
  const mastercard = card === null || card === 'mastercard'
  const now = Date.parse(at)
  const past = history.filter((a) => Date.parse(a.at) <= now)
  return (
    (visa && visaCategory1(past, rules)) ||
    (mastercard && mastercardStop(past, rules)) ||
    (visa && windowCap(past, now, 30 * DAY_MS, rules.visaReattempts30d, 'visa-reattempts-30d', isVisaReattempt)) ||
    (mastercard && windowCap(past, now, DAY_MS, rules.mastercardDeclines24h, 'mastercard-declines-24h', isDecline)) ||
    (mastercard &&
      windowCap(past, now, 30 * DAY_MS, rules.mastercardDeclines30d, 'mastercard-declines-30d', isDecline)) || {
      allowed: true,
    }
  )
}

/** The network the history names last (a card's network does not change; a later answer is the better read). */
export function knownNetwork(history: readonly CardAttempt[]): CardNetwork | null {
  const named = history.filter((a) => a.network !== undefined).sort((a, b) => Date.parse(b.at) - Date.parse(a.at))
  return named[0]?.network ?? null
}

const isDecline = (a: CardAttempt): boolean => a.outcome !== 'approved'
// Visa counts every reattempt, approved or not: the cap is on authorizations sent after a decline.
const isVisaReattempt = (a: CardAttempt): boolean => a.reattempt

function visaCategory1(history: readonly CardAttempt[], rules: NetworkRules): CapCheck | null {
  const codes = new Set(rules.visaCategory1Codes)
  const hit = history.find((a) => a.outcome === 'declined' && codes.has(normalizeNetworkCode(a.networkCode) ?? ''))
  if (!hit) return null
  return {
    allowed: false,
    rule: 'visa-category-1',
    detail: `declined at ${hit.at} with Visa category-1 code ${normalizeNetworkCode(hit.networkCode)}: the issuer will never approve`,
    until: null,
  }
}

function mastercardStop(history: readonly CardAttempt[], rules: NetworkRules): CapCheck | null {
  const codes = new Set(rules.mastercardStopAdvice)
  const hit = history.find((a) => a.outcome === 'declined' && codes.has(normalizeAdviceCode(a.networkAdvice) ?? ''))
  if (!hit) return null
  return {
    allowed: false,
    rule: 'mastercard-stop-advice',
    detail: `declined at ${hit.at} with Mastercard advice code ${normalizeAdviceCode(hit.networkAdvice)}`,
    until: null,
  }
}

/**
 * At most `cap` counted attempts in the trailing window (at − window, at]: the next is allowed once enough of the
 * oldest have left it. A cap of 0 allows none, ever.
 */
function windowCap(
  history: readonly CardAttempt[],
  now: number,
  windowMs: number,
  cap: number,
  rule: string,
  counts: (a: CardAttempt) => boolean,
): CapCheck | null {
  const inWindow = history
    .filter((a) => counts(a) && Date.parse(a.at) > now - windowMs)
    .map((a) => Date.parse(a.at))
    .sort((a, b) => a - b)
  if (inWindow.length < cap) return null
  const freeing = cap === 0 ? null : inWindow[inWindow.length - cap]!
  return {
    allowed: false,
    rule,
    detail: `${inWindow.length} in the last ${windowMs / DAY_MS === 1 ? '24 hours' : `${windowMs / DAY_MS} days`}, at most ${cap}`,
    until: freeing === null ? null : new Date(freeing + windowMs).toISOString(),
  }
}
