/** What the rules for unreferenced payments find (candidates.ts, rule-match.ts), as types only. */
import type {Conversion} from './convert.js'

/** One way an unreferenced payment could pay the customer's open invoices. */
export interface Candidate {
  rule: 'amount_and_date' | 'exact_sum'
  invoices: number[]
  /** The payment converted into the invoice's currency, when they differ. */
  fx: Conversion | null
}

export interface PaymentCandidates {
  candidates: Candidate[]
  /** Open invoices near its date in another currency, with no rate to compare it with them. */
  noRate: Array<{invoice: number; from: string; to: string; date: string}>
  /** Too many open invoices to search every combination. */
  sumsUndecided: boolean
}

/** A fuzzy match: the payment's only candidate, which no other payment of the customer could also claim. */
export interface RuleMatch {
  payment: number
  candidate: Candidate
}

/** Why an unreferenced payment was left unmatched, in terms the note can say. */
export interface RuleMiss {
  payment: number
  /** Every candidate it had (several: ambiguous; one: contested by `rivals`). */
  candidates: Candidate[]
  /** Other payments that fit (or, for want of a rate, may fit) one of its candidates' invoices. */
  rivals: number[]
  noRate: PaymentCandidates['noRate']
  sumsUndecided: boolean
}
