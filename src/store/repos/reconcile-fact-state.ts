import type {AdjustmentFact, InvoiceFact, PaymentFact, PlainTally, SiteFacts} from '../../core/reconcile/facts.js'
import type {GatewaySums} from '../../core/reconcile/identity.js'

/** Which part of a site's history a reconciliation looks at. */
export interface FactScope {
  site: string
  /** The site's base currency. */
  currency: string
  /** ISO-8601 UTC bounds, [from, to): invoices by issue time, unreferenced payments by when they occurred. */
  from: string | null
  to: string | null
  /** Providers looked at; null: every provider. */
  providers: ReadonlySet<string> | null
  /** Tally plain pairs instead of handing them over one by one (core/reconcile/facts.ts); tests compare both. */
  tallyPlain: boolean
  onProgress?: (phase: string, done: number, total: number) => void
}

export interface PaymentRow {
  seq: number
  id: string
  provider: string
  customer: string
  amount: number
  currency: string
  occurredAt: string
  invoiceRef: string | null
}

export interface InvoiceRow {
  row: number
  id: string
  customer: string
  amount: number
  currency: string
  issuedAt: string
  dueAt: string | null
}

/**
 * What the passes over a site's invoices and transactions learn, kept in typed arrays indexed by invoice row
 * (row_no, SQLite's rowid) and transaction seq, so rows the reconciliation only needs to count never become objects. Invoices and payments that
 * are not plain (core/reconcile/facts.ts) are handed over as facts; plain pairs are tallied at the end. A plain
 * pair is in the site's currency and its payment's amount is its invoice's (the SQL compared them), so invoices
 * carry none here.
 */
export class FactState {
  readonly facts: SiteFacts
  /** Per currency, over every invoice and succeeded payment, refund and dispute of the site (the identity). */
  readonly sums = new Map<string, GatewaySums>()
  // by invoice row
  readonly refs: Uint8Array
  readonly firstPayment: Int32Array
  readonly invoiceIndex: Int32Array
  private readonly unplained: Uint8Array
  // by transaction seq
  /** 1: plain, its invoice issued in the period; 2: plain, issued outside it; 0: not plain. */
  readonly sqlPlain: Uint8Array
  readonly nextPayment: Int32Array
  readonly paymentInvoice: Int32Array
  /** Provider code (1-based; 0: not known yet) and, for plain payments, the amount (in the site's currency). */
  readonly paymentProvider: Uint16Array
  readonly paymentAmount: Float64Array
  readonly paymentIndex: Int32Array
  readonly hasChildren: Uint8Array
  /** The row of each invoice, the seq of each payment and adjustment handed over, by fact index. */
  readonly invoiceRows: number[] = []
  readonly paymentSeqs: number[] = []
  readonly adjustmentSeqs: number[] = []
  /** Payments that name an invoice but have not succeeded: the first seq by invoice row, the next by seq. */
  readonly firstAttempt: Int32Array
  readonly nextAttempt: Int32Array
  private readonly names = new Map<number, number[]>()
  private readonly parents: number[] = []
  private readonly providers: string[] = []
  private readonly providerCodes = new Map<string, number>()
  private readonly fromMs: number
  private readonly toMs: number

  constructor(
    readonly scope: FactScope,
    maxSeq: number,
    maxInvoiceRow: number,
  ) {
    this.facts = {
      site: scope.site,
      currency: scope.currency,
      invoices: [],
      payments: [],
      adjustments: [],
      issues: [],
      plain: new Map(),
    }
    const rows = maxInvoiceRow + 1
    const seqs = maxSeq + 1
    this.refs = new Uint8Array(rows)
    this.firstPayment = new Int32Array(rows)
    this.invoiceIndex = new Int32Array(rows).fill(-1)
    this.unplained = new Uint8Array(rows)
    this.sqlPlain = new Uint8Array(seqs)
    this.nextPayment = new Int32Array(seqs)
    this.paymentInvoice = new Int32Array(seqs)
    this.paymentProvider = new Uint16Array(seqs)
    this.paymentAmount = new Float64Array(seqs)
    this.paymentIndex = new Int32Array(seqs).fill(-1)
    this.hasChildren = new Uint8Array(seqs)
    this.firstAttempt = new Int32Array(rows)
    this.nextAttempt = new Int32Array(seqs)
    this.fromMs = scope.from === null ? -Infinity : Date.parse(scope.from)
    this.toMs = scope.to === null ? Infinity : Date.parse(scope.to)
  }

  add(currency: string, field: keyof GatewaySums, minor: number): void {
    let sums = this.sums.get(currency)
    if (!sums) this.sums.set(currency, (sums = {invoices: 0, payments: 0, refunds: 0, disputes: 0}))
    sums[field] += minor
  }

  /** Provider codes start at 1: 0 stands for "not known yet" in paymentProvider. */
  providerCode(name: string): number {
    let code = this.providerCodes.get(name)
    if (code === undefined) {
      code = this.providers.push(name)
      this.providerCodes.set(name, code)
    }
    return code
  }

  providerOf(seq: number): string {
    return this.providers[this.paymentProvider[seq]! - 1]!
  }

  selected(provider: string): boolean {
    return this.scope.providers === null || this.scope.providers.has(provider)
  }

  inPeriod(iso: string): boolean {
    const ms = Date.parse(iso)
    return ms >= this.fromMs && ms < this.toMs
  }

  /** Payment `seq`, which has not succeeded, names invoice `row` of the site. */
  attempt(row: number, seq: number): void {
    this.nextAttempt[seq] = this.firstAttempt[row]!
    this.firstAttempt[row] = seq
  }

  /** The attempts at the invoices handed over, as [fact index, seq]. */
  *attemptsOfHandedOver(): Generator<[number, number]> {
    for (let index = 0; index < this.invoiceRows.length; index++)
      for (let seq = this.firstAttempt[this.invoiceRows[index]!]!; seq > 0; seq = this.nextAttempt[seq]!)
        yield [index, seq]
  }

  /** Payment `seq` names invoice `row` of the site. */
  link(row: number, seq: number): void {
    if (this.refs[row]! < 255) this.refs[row]!++
    this.nextPayment[seq] = this.firstPayment[row]!
    this.firstPayment[row] = seq
    this.paymentInvoice[seq] = row
  }

  /** One succeeded payment of the same customer, amount and currency names it, with no refund or dispute. */
  isPlain(row: number): boolean {
    const seq = this.firstPayment[row]!
    return this.refs[row] === 1 && this.sqlPlain[seq] !== 0 && this.hasChildren[seq] === 0 && this.unplained[row] === 0
  }

  /** The pair of invoice `row` is handed over one by one after all (the ledger disagrees about it). */
  unplain(row: number): void {
    this.unplained[row] = 1
  }

  addPayment(p: PaymentRow): number {
    const existing = this.paymentIndex[p.seq]!
    if (existing >= 0) return existing
    const fact: PaymentFact = {
      id: p.id,
      provider: p.provider,
      customer: p.customer,
      amount: {minor: p.amount, currency: p.currency},
      occurredAt: p.occurredAt,
      invoiceRef: p.invoiceRef,
      names: [],
      unresolved: [],
      selected: this.selected(p.provider),
      inPeriod: this.inPeriod(p.occurredAt),
    }
    const index = this.facts.payments.push(fact) - 1
    this.paymentIndex[p.seq] = index
    this.paymentSeqs.push(p.seq)
    return index
  }

  /** Invoice `row` is named by payment `index` (resolved to a fact index when the facts are finished). */
  nameInvoice(index: number, row: number): void {
    const list = this.names.get(index)
    if (list) list.push(row)
    else this.names.set(index, [row])
  }

  addInvoice(i: InvoiceRow): number {
    const existing = this.invoiceIndex[i.row]!
    if (existing >= 0) return existing
    const fact: InvoiceFact = {
      id: i.id,
      customer: i.customer,
      amount: {minor: i.amount, currency: i.currency},
      issuedAt: i.issuedAt,
      dueAt: i.dueAt ?? i.issuedAt,
      inPeriod: this.inPeriod(i.issuedAt),
      attempts: [],
    }
    const index = this.facts.invoices.push(fact) - 1
    this.invoiceIndex[i.row] = index
    this.invoiceRows.push(i.row)
    return index
  }

  addAdjustment(seq: number, a: Omit<AdjustmentFact, 'payment' | 'inScope'>, parentSeq: number | null): void {
    this.adjustmentSeqs.push(seq)
    this.facts.adjustments.push({
      ...a,
      payment: -1,
      inScope: this.selected(a.provider) && this.inPeriod(a.occurredAt),
    })
    this.parents.push(parentSeq ?? -1)
  }

  /** The fact index of the payment adjustment `i` belongs to (-1: none of the site's succeeded payments). */
  adjustmentPayment(i: number): number {
    const seq = this.parents[i]!
    return seq > 0 ? this.paymentIndex[seq]! : -1
  }

  /** Payment indexes become fact indexes, adjustments find their payments, and plain pairs are tallied. */
  finish(): SiteFacts {
    for (const [index, rows] of this.names) {
      const payment = this.facts.payments[index]!
      payment.names = rows.map((row) => this.invoiceIndex[row]!).filter((i) => i >= 0)
    }
    this.facts.adjustments.forEach((a, i) => (a.payment = this.adjustmentPayment(i)))
    this.facts.plain = this.tally()
    return this.facts
  }

  /** Calls `fn` for each plain pair of the run's scope (invoice issued in the period, provider selected). */
  forEachPlainPair(fn: (row: number, seq: number) => void): void {
    const selected = Uint8Array.from({length: this.providers.length + 1}, (_, code) =>
      code > 0 && this.selected(this.providers[code - 1]!) ? 1 : 0,
    )
    const {refs, invoiceIndex, firstPayment, sqlPlain, hasChildren, unplained, paymentProvider} = this
    for (let row = 1; row < refs.length; row++) {
      if (refs[row] !== 1 || invoiceIndex[row] !== -1 || unplained[row] !== 0) continue
      const seq = firstPayment[row]!
      if (sqlPlain[seq] === 1 && hasChildren[seq] === 0 && selected[paymentProvider[seq]!] === 1) fn(row, seq)
    }
  }

  /** Pairs and amounts per provider code, then per provider name (a map per pair cost ~50 ms at a million). */
  private tally(): PlainTally {
    const pairs = new Float64Array(this.providers.length + 1)
    const minor = new Float64Array(this.providers.length + 1)
    const {paymentProvider, paymentAmount} = this
    this.forEachPlainPair((_, seq) => {
      const code = paymentProvider[seq]!
      pairs[code]!++
      minor[code]! += paymentAmount[seq]!
    })
    // In provider-code order: the summary sorts providers and currencies itself.
    const tally: PlainTally = new Map()
    for (let code = 1; code < pairs.length; code++)
      if (pairs[code]! > 0)
        tally.set(
          this.providers[code - 1]!,
          new Map([[this.scope.currency, {pairs: pairs[code]!, minor: minor[code]!}]]),
        )
    return tally
  }
}
