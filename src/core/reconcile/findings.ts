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
  /** The reason in plain words. */
  note: string
  /** Whether someone has to act on it (a matched invoice, or one not yet due, needs nobody). */
  exception: boolean
}

export function finding(
  cls: ReconcileClass,
  parts: Partial<Omit<Finding, 'class' | 'note' | 'exception'>> & {note: string; exception: boolean},
): Finding {
  return {
    class: cls,
    invoices: parts.invoices ?? [],
    payments: parts.payments ?? [],
    named: parts.named ?? {invoices: [], payments: []},
    adjustments: parts.adjustments ?? [],
    links: parts.links ?? [],
    issues: parts.issues ?? [],
    expected: parts.expected ?? null,
    actual: parts.actual ?? null,
    note: parts.note,
    exception: parts.exception,
  }
}
