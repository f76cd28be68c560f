import type {Decision, Failure} from '../transaction.js'
import {mastercardAdvice, normalizeAdviceCode} from './mastercard-advice.js'
import {normalizeNetworkCode} from './network-codes.js'
import type {NetworkRules} from './network-rules.js'

/**
 * The decision for one failed payment (docs/gateways.md#declines-and-retries), from what the adapter reported on the
 * failure, the admins' per-code overrides and the card-network rules. Pure: the caller reads the rules from the
 * store (`retry codes`, `retry caps`) and passes them in. In order:
 * 1. an outcome that is not known (`unknown`) stays unknown whatever else is configured: the payment may exist, and
 *    resolving it comes before anything is sent again (never a double charge);
 * 2. the card-network rules: a decline with a Visa category-1 response code or a Mastercard stop advice code is
 *    terminal, and no override changes that;
 * 3. the gateway's own advice: Mastercard's merchant advice code, then the gateway's advice (Stripe `advice_code`,
 *    Braintree's soft/hard type); when the two disagree, terminal wins. An admin may override an advice value;
 * 4. an admin's override for the code;
 * 5. the adapter's code table; a code it does not map is terminal and reported as unmapped.
 */
export interface RetryRules {
  /** Admin overrides by overrideKey(kind, code); a gateway advice value is the code `advice:<value>`. */
  overrides: ReadonlyMap<string, Decision>
  network: NetworkRules
}

export interface RetryVerdict {
  decision: Decision
  /**
   * Why, stable for reports: `unknown-outcome:<code>`, `visa-category-1:<code>`, `mastercard-stop-advice:<mac>`,
   * `network-advice:<mac>`, `advice:<value>`, `override:<code>`, `table:<code>`, `unmapped:<code>`, and from
   * decideRetry `cap:<rule>`.
   */
  reason: string
  /** The code is in no table (and no override maps it): terminal, and counted so an admin sees it. */
  unmapped: boolean
  /** The earliest next attempt (ISO) when advice or a cap defers it; null: whenever the schedule says. */
  notBefore: string | null
}

export function overrideKey(kind: string, code: string): string {
  return `${kind}:${code}`
}

const ADVICE_PREFIX = 'advice:'

/** The failure as the adapter of gateway `kind` reported it, at `at` (ISO: when the attempt was answered). */
export function classifyFailure(kind: string, failure: Failure, rules: RetryRules, at: string): RetryVerdict {
  const verdict = (decision: Decision, reason: string, notBefore: string | null = null): RetryVerdict => ({
    decision,
    reason,
    unmapped: false,
    notBefore,
  })
  if (failure.decision === 'unknown') return verdict('unknown', `unknown-outcome:${failure.code}`)
  const decline = (failure.origin ?? 'decline') === 'decline'
  const stop = decline ? networkStop(failure, rules.network) : null
  if (stop) return verdict('terminal', stop)
  const advised = decline ? adviceVerdict(kind, failure, rules, at) : null
  if (advised) return advised
  const override = rules.overrides.get(overrideKey(kind, failure.code))
  if (override) return verdict(override, `override:${failure.code}`)
  if (failure.basis === 'unmapped') return {...verdict('terminal', `unmapped:${failure.code}`), unmapped: true}
  return verdict(failure.decision, `table:${failure.code}`)
}

/** A Visa category-1 code or a Mastercard stop code on this decline (networks other than the card's do not apply). */
function networkStop(failure: Failure, rules: NetworkRules): string | null {
  const network = failure.network
  const code = normalizeNetworkCode(failure.networkCode)
  if ((network === undefined || network === 'visa') && code && rules.visaCategory1Codes.includes(code))
    return `visa-category-1:${code}`
  const mac = normalizeAdviceCode(failure.networkAdvice)
  if ((network === undefined || network === 'mastercard') && mac && rules.mastercardStopAdvice.includes(mac))
    return `mastercard-stop-advice:${mac}`
  return null
}

/** The stricter wins when two pieces of advice disagree; a retry waits as long as the longest wait advised. */
const SEVERITY: Readonly<Record<Decision, number>> = {retry: 0, unknown: 1, terminal: 2}

function adviceVerdict(kind: string, failure: Failure, rules: RetryRules, at: string): RetryVerdict | null {
  const advised: {decision: Decision; reason: string; notBefore: string | null}[] = []
  const macOnThisCard = failure.network === undefined || failure.network === 'mastercard'
  const mac = macOnThisCard ? mastercardAdvice(failure.networkAdvice) : null
  if (mac) {
    const notBefore = mac.waitMs > 0 ? new Date(Date.parse(at) + mac.waitMs).toISOString() : null
    advised.push({
      decision: mac.decision,
      reason: `network-advice:${normalizeAdviceCode(failure.networkAdvice)}`,
      notBefore,
    })
  }
  if (failure.basis === 'advice') advised.push({...gatewayAdvice(kind, failure, rules), notBefore: null})
  const strictest = advised.reduce<(typeof advised)[number] | null>(
    (best, a) => (best === null || SEVERITY[a.decision] > SEVERITY[best.decision] ? a : best),
    null,
  )
  if (!strictest) return null
  const waits = advised.map((a) => a.notBefore).filter((t): t is string => t !== null)
  const notBefore = strictest.decision === 'retry' && waits.length > 0 ? waits.sort().at(-1)! : null
  return {decision: strictest.decision, reason: strictest.reason, unmapped: false, notBefore}
}

function gatewayAdvice(kind: string, failure: Failure, rules: RetryRules): {decision: Decision; reason: string} {
  const advice = failure.advice ?? failure.code
  const override = rules.overrides.get(overrideKey(kind, ADVICE_PREFIX + advice))
  return override
    ? {decision: override, reason: `override:${ADVICE_PREFIX}${advice}`}
    : {decision: failure.decision, reason: `${ADVICE_PREFIX}${advice}`}
}
