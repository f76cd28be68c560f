import type {MatchRule, ReconcileClass} from '../../core/reconcile/classes.js'
import type {IdentityLine} from '../../core/reconcile/identity.js'
import type {ClassTotals, ProviderTotals} from '../../core/reconcile/summary.js'
import type {Money} from '../../core/transaction.js'

/** One exception as a run prints it (the `exceptions` of `reconcile --json`, per docs CLI.md). */
export interface ExceptionView {
  id: string
  class: ReconcileClass
  /** The invoice it is about (the first, when several); absent for a payment or object on its own. */
  invoice?: string
  invoices: string[]
  /** Payments, refunds, disputes and other gateway objects it names. */
  transactions: string[]
  expected: Money | null
  actual: Money | null
  note: string
  status: 'open' | 'resolved'
  resolution: {by: string; note: string} | null
}

/** A match made by a fuzzy rule, with why it was the only candidate. */
export interface FuzzyMatch {
  rule: MatchRule
  invoices: string[]
  transactions: string[]
  why: string
  fx: {amount: Money; rate: string; rateDate: string; path: string[]} | null
}

export interface IdentityView {
  /** Every currency's difference is zero. */
  holds: boolean
  lines: Array<
    Omit<IdentityLine, 'invoices' | 'payments' | 'refunds' | 'disputes' | 'expected' | 'ledger' | 'difference'> & {
      invoices: Money
      payments: Money
      refunds: Money
      disputes: Money
      expected: Money
      ledger: Money
      difference: Money
    }
  >
  /** Both sides in the site's base currency, each customer converted as `customers show` does (today's rates). */
  base: {ledger: Money | null; expected: Money | null; holds: boolean | null; error: string | null}
  /** Customers whose difference no transaction or invoice explains. */
  unexplained: string[]
}

export interface ReconcileResult {
  runId: number
  at: string
  site: string
  currency: string
  from: string | null
  to: string | null
  providers: string[]
  tolerance: string
  windowDays: number
  /** Findings per class: an invoice (or the invoices one payment covers) with its payments, or a payment alone. */
  counts: Record<ReconcileClass, number>
  /** Every invoice and every payment of the run is in exactly one class. */
  items: {invoices: Record<ReconcileClass, number>; payments: Record<ReconcileClass, number>}
  amounts: Record<ReconcileClass, Pick<ClassTotals, 'invoiced' | 'paid'>>
  byProvider: ProviderTotals[]
  rules: Record<MatchRule, number> & {converted: number}
  matches: FuzzyMatch[]
  identity: IdentityView
  exceptions: ExceptionView[]
  /** Exceptions not resolved: the command exits 3 while any remain (or the identity fails). */
  open: number
}
