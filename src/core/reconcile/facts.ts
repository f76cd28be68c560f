import type {Money} from '../transaction.js'

/**
 * What a reconciliation of one site looks at. The store hands over every invoice and succeeded payment it could
 * not prove "plain" one by one; plain pairs (an invoice named by exactly one succeeded payment of the same customer,
 * amount and currency, with no refund or dispute and a ledger that agrees) arrive only as a tally, since they are
 * what the rules below would match by reference at zero difference, and at a million invoices listing them costs
 * more than everything else (test/bench/reconcile.ts).
 */
export interface InvoiceFact {
  id: string
  customer: string
  amount: Money
  issuedAt: string
  /** The due date; an invoice without one is due when issued. */
  dueAt: string
  /** Issued within the run's period (--from/--to). */
  inPeriod: boolean
  /**
   * Payments that name it but have not succeeded (failed, pending, canceled): the invoice is being paid through them,
   * so no unreferenced payment is matched to it by rule.
   */
  attempts: Array<{id: string; status: string}>
}

/** A part of a payment's reference that names no invoice of this site. */
export interface UnresolvedRef {
  ref: string
  /** The site whose invoice it is, when it names another site's invoice; null when no invoice has that id. */
  site: string | null
}

/** A succeeded payment (only those pay: docs/architecture.md#ledger). */
export interface PaymentFact {
  id: string
  provider: string
  customer: string
  amount: Money
  occurredAt: string
  /** The invoice reference as the adapter extracted it; null when the gateway object names none. */
  invoiceRef: string | null
  /** Indexes into SiteFacts.invoices of the site's invoices the reference names. */
  names: number[]
  unresolved: UnresolvedRef[]
  /** The provider is one the run looks at (--provider; all by default). */
  selected: boolean
  /** Occurred within the run's period: what places an unreferenced payment in it. */
  inPeriod: boolean
}

/** A refund or dispute: a refund and an open or lost dispute take back what was paid, a won dispute restores it. */
export interface AdjustmentFact {
  id: string
  provider: string
  customer: string
  type: 'refund' | 'dispute'
  status: string
  amount: Money
  occurredAt: string
  /** Index into SiteFacts.payments of the payment it belongs to; -1 when no succeeded payment of the site has that id. */
  payment: number
  /** The id of the payment it names. */
  parent: string
  /** Its provider is selected and it occurred in the period (what places one without a payment in the run). */
  inScope: boolean
}

/**
 * Something the ledger and the gateway (or the YMS, for an invoice) disagree about: postings on the customer's
 * account that differ from what the object's last reported state implies, or a gateway object the ledger does not
 * hold at all (held in quarantine).
 */
export interface LedgerIssue {
  kind: 'posting' | 'quarantined'
  /** A transaction id, `invoice:<id>`, or `<provider>:<external id>` of a quarantined object. */
  object: string
  /** Index of the payment or invoice whose finding it belongs to; -1 for neither (it stands alone). */
  payment: number
  invoice: number
  customer: string | null
  /** What the gateway (or the YMS) last reported, in words, e.g. "dispute lost, 120.00 EUR". */
  reported: string
  /** What the customer's account should hold for the object, and what the ledger holds (posting issues). */
  expected: Money | null
  posted: Money | null
  /** Why the object is held back (quarantined issues): the quarantine's reason and detail. */
  held: string | null
  /** Its provider is selected (what places an issue about no payment or invoice in the run). */
  inScope: boolean
}

/** Plain pairs the store matched by reference, per provider and currency (each pair: one invoice, one payment). */
export type PlainTally = Map<string, Map<string, {pairs: number; minor: number}>>

export interface SiteFacts {
  site: string
  /** The site's base currency. */
  currency: string
  invoices: InvoiceFact[]
  payments: PaymentFact[]
  adjustments: AdjustmentFact[]
  issues: LedgerIssue[]
  plain: PlainTally
}
