import {candidatesFor} from './candidates.js'
import type {Context} from './context.js'
import type {RuleMatch, RuleMiss} from './rule-types.js'

/**
 * Matches one customer's unreferenced payments to its open invoices, never guessing: a payment is matched only
 * when it has exactly one candidate and none of that candidate's invoices is a candidate of another payment.
 * Everything else is a miss that names what it could have been.
 */
export function matchByRule(
  ctx: Context,
  payments: readonly number[],
  open: readonly number[],
): {matches: RuleMatch[]; misses: RuleMiss[]} {
  const found = new Map(payments.map((p) => [p, candidatesFor(ctx, p, open)]))
  const claims = new Map<number, Set<number>>()
  const claim = (i: number, p: number) => {
    let set = claims.get(i)
    if (!set) claims.set(i, (set = new Set()))
    set.add(p)
  }
  for (const [p, c] of found) {
    for (const candidate of c.candidates) for (const i of candidate.invoices) claim(i, p)
    // An invoice a payment could not be compared with (no rate) may be its invoice as well: never rule it out.
    for (const r of c.noRate) claim(r.invoice, p)
  }
  const matches: RuleMatch[] = []
  const misses: RuleMiss[] = []
  for (const [p, c] of found) {
    const rivals = new Set<number>()
    for (const candidate of c.candidates)
      for (const i of candidate.invoices) for (const q of claims.get(i) ?? []) if (q !== p) rivals.add(q)
    const only = c.candidates.length === 1 ? c.candidates[0] : undefined
    if (only && rivals.size === 0 && !c.sumsUndecided) matches.push({payment: p, candidate: only})
    else
      misses.push({
        payment: p,
        candidates: c.candidates,
        rivals: [...rivals].sort((a, b) => a - b),
        noRate: c.noRate,
        sumsUndecided: c.sumsUndecided,
      })
  }
  return {matches, misses}
}
