import type {Convert} from './convert.js'
import {customerEffect} from './effect.js'
import type {LedgerIssue, SiteFacts} from './facts.js'
import {NONE} from './findings.js'
import type {RuleMiss} from './rule-types.js'
import type {Tolerance} from './tolerance.js'

export interface EngineOptions {
  tolerance: Tolerance
  /** Days either side of an invoice's due date an unreferenced payment may fall to be matched to it. */
  windowDays: number
  convert: Convert
  /** The run's time: an invoice due before it is overdue. */
  asOf: string
}

/** What classifying a group needs to know beyond the group itself, indexed once per run. */
export interface Context {
  facts: SiteFacts
  opts: EngineOptions
  /** Refunds and disputes per payment index. */
  adjustmentsOf: number[][]
  /** Each payment's amount minus what its refunds and disputes took back, in its currency. */
  nets: Float64Array
  asOfMs: number
  /** Times as epoch ms, parsed once each, on demand. */
  paidAt(p: number): number
  dueAt(i: number): number
  issuedAt(i: number): number
  paymentIssues: Map<number, LedgerIssue[]>
  invoiceIssues: Map<number, LedgerIssue[]>
  /** Unreferenced payments the rules left unmatched, with what they could have been. */
  misses: Map<number, RuleMiss>
  /** Payments whose reference ties them to no invoice of the customer: why, in words. */
  referenceNotes: Map<number, string>
}

export function createContext(facts: SiteFacts, opts: EngineOptions): Context {
  // Most payments have none: they share one empty list (findings never change the lists they hold).
  const adjustmentsOf: number[][] = new Array<number[]>(facts.payments.length).fill(NONE)
  const nets = new Float64Array(facts.payments.length)
  facts.payments.forEach((p, index) => (nets[index] = p.amount.minor))
  facts.adjustments.forEach((a, index) => {
    if (a.payment < 0) return
    const own = adjustmentsOf[a.payment]!
    if (own === NONE) adjustmentsOf[a.payment] = [index]
    else own.push(index)
    nets[a.payment] = nets[a.payment]! - customerEffect(a)
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
  return {
    facts,
    opts,
    adjustmentsOf,
    nets,
    asOfMs: Date.parse(opts.asOf),
    paidAt: cached(facts.payments.length, (p) => facts.payments[p]!.occurredAt),
    dueAt: cached(facts.invoices.length, (i) => facts.invoices[i]!.dueAt),
    issuedAt: cached(facts.invoices.length, (i) => facts.invoices[i]!.issuedAt),
    paymentIssues,
    invoiceIssues,
    misses: new Map(),
    referenceNotes: new Map(),
  }
}

function cached(size: number, iso: (index: number) => string): (index: number) => number {
  const ms = new Float64Array(size).fill(Number.NaN)
  return (index) => {
    let value = ms[index]!
    if (Number.isNaN(value)) ms[index] = value = Date.parse(iso(index))
    return value
  }
}
