import type {Decision, NormalizedTxn} from '../../core/transaction.js'

/**
 * The two questions the engine asks of classification, behind one seam each: what retrying a failure should do,
 * and whether the card networks allow another attempt on a card. Issue 13's classification (the gateway's own
 * advice, the decline tables, admin overrides, the networks' rules: src/core/retry/classification.ts and
 * network-caps.ts) answers them once merged; until then the adapter's own decision and a conservative cap stand in.
 */
interface FailureVerdict {
  decision: Decision
  /** In words, for the audit log and `retry list`. */
  reason: string
  /** The code is in no table: decided terminal by default, and counted so that an admin sees it. */
  unmapped: boolean
}

type Failure = NonNullable<NormalizedTxn['failure']>

export function decideFailure(failure: Failure): FailureVerdict {
  return {decision: failure.decision, reason: `${failure.code}: ${failure.decision}`, unmapped: false}
}

/** A card's reattempts so far, for the network caps (docs/gateways.md#card-network-caps). */
interface CardHistory {
  /** The card network when the gateway reports it (visa, mastercard, …); null when unknown. */
  network: string | null
  /** When earlier retry requests went to this card (epoch ms), within CAPS_LOOKBACK_MS. */
  attemptsAtMs: readonly number[]
}

type CapsVerdict = {allowed: true} | {allowed: false; reason: string}

export type CapsCheck = (card: CardHistory, nowMs: number) => CapsVerdict

/** The longest window any cap counts over (Visa and Mastercard: 30 days). */
export const CAPS_LOOKBACK_MS = 30 * 86_400_000

const DAY_MS = 86_400_000

/**
 * Until the per-network caps are merged, the strictest documented limit of each window holds for every card, since
 * the network is not known yet: Mastercard's 10 attempts in 24 hours, and Visa's 15 in 30 days (its older, lower
 * figure).
 */
export const checkCaps: CapsCheck = (card, nowMs) => {
  const inDay = card.attemptsAtMs.filter((t) => nowMs - t < DAY_MS).length
  if (inDay >= 10) return {allowed: false, reason: `card network cap: ${inDay} attempts on this card in 24 hours`}
  const inMonth = card.attemptsAtMs.filter((t) => nowMs - t < CAPS_LOOKBACK_MS).length
  if (inMonth >= 15) return {allowed: false, reason: `card network cap: ${inMonth} attempts on this card in 30 days`}
  return {allowed: true}
}
