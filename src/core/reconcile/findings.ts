import type {Money} from '../transaction.js'
import type {ReconcileClass} from './classes.js'
import type {LedgerIssue} from './facts.js'
import type {Link} from './groups.js'

/**
 * One line of the reconciliation: an invoice (or the invoices one payment covers) with the payments applied to it,
 * or a payment on its own, or a gateway object the ledger disagrees about. Every invoice and every payment handed
 * over is owned by exactly one finding.
 */
export interface Finding {
  class: ReconcileClass
  invoices: number[]
  payments: number[]
  /** Named without being owned: a duplicate names the invoice and the payment it repeats. */
  named: {invoices: number[]; payments: number[]}
  /** The refunds and disputes of its payments. */
  adjustments: number[]
  links: Link[]
  issues: LedgerIssue[]
  /** What was invoiced (or is due), and what was paid towards it (net, in the invoice's currency). */
  expected: Money | null
  actual: Money | null
  /** The reason in plain words (exceptions only; '' for a finding nobody has to act on). */
  note: string
  /** Whether someone has to act on it (a matched invoice, or one not yet due, needs nobody). */
  exception: boolean
}

// Shared by findings that own, name or hold nothing of a kind (most); findings are never changed once made.
export const NONE: number[] = []
const NOTHING_NAMED = {invoices: NONE, payments: NONE}
const NO_LINKS: Link[] = []
const NO_ISSUES: LedgerIssue[] = []

/**
 * A finding; its note is written only when it is an exception (a matched invoice's story is never read, and at a
 * million invoices writing it would cost more than matching them).
 */
export function finding(
  cls: ReconcileClass,
  parts: Partial<Omit<Finding, 'class' | 'note' | 'exception'>> & {note: () => string; exception: boolean},
): Finding {
  return {
    class: cls,
    invoices: parts.invoices ?? NONE,
    payments: parts.payments ?? NONE,
    named: parts.named ?? NOTHING_NAMED,
    adjustments: parts.adjustments ?? NONE,
    links: parts.links ?? NO_LINKS,
    issues: parts.issues ?? NO_ISSUES,
    expected: parts.expected ?? null,
    actual: parts.actual ?? null,
    note: parts.exception ? parts.note() : '',
    exception: parts.exception,
  }
}
