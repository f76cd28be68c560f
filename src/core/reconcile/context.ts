import type {CandidateRules} from './candidates.js'
import type {LedgerIssue, SiteFacts} from './facts.js'
import type {RuleMiss} from './rule-match.js'

export interface EngineOptions extends CandidateRules {
  /** The run's time: an invoice due before it is overdue. */
  asOf: string
}

/** What classifying a group needs to know beyond the group itself, indexed once per run. */
export interface Context {
  facts: SiteFacts
  opts: EngineOptions
  /** Refunds and disputes per payment index. */
  adjustmentsOf: number[][]
  paymentIssues: Map<number, LedgerIssue[]>
  invoiceIssues: Map<number, LedgerIssue[]>
  /** Unreferenced payments the rules left unmatched, with what they could have been. */
  misses: Map<number, RuleMiss>
  /** Payments whose reference ties them to no invoice of the customer: why, in words. */
  referenceNotes: Map<number, string>
}

export function createContext(facts: SiteFacts, opts: EngineOptions): Context {
  const adjustmentsOf: number[][] = facts.payments.map(() => [])
  facts.adjustments.forEach((a, index) => {
    if (a.payment >= 0) adjustmentsOf[a.payment]!.push(index)
  })
  const paymentIssues = new Map<number, LedgerIssue[]>()
  const invoiceIssues = new Map<number, LedgerIssue[]>()
  const push = (map: Map<number, LedgerIssue[]>, key: number, issue: LedgerIssue) => {
    const list = map.get(key)
    if (list) list.push(issue)
    else map.set(key, [issue])
  }
  for (const issue of facts.issues) {
    if (issue.payment >= 0) push(paymentIssues, issue.payment, issue)
    else if (issue.invoice >= 0) push(invoiceIssues, issue.invoice, issue)
  }
  return {facts, opts, adjustmentsOf, paymentIssues, invoiceIssues, misses: new Map(), referenceNotes: new Map()}
}
