import type {SiteFacts} from '../../core/reconcile/facts.js'
import type {Db} from '../db.js'
import {bothWays} from '../ops/dialect.js'
import {dual} from '../ops/dual.js'
import {all, type Ops} from '../ops/op.js'
import {FactState, type FactScope, type InvoiceRow, type PaymentRow} from './reconcile-fact-state.js'
import {type SinkHandler, withSinks} from './reconcile-sink.js'

export type {FactScope} from './reconcile-fact-state.js'
export {FactState} from './reconcile-fact-state.js'

const PROGRESS_EVERY = 1 << 16

// The passes below stay SQLite's: their rows cross as the arguments of SQL functions registered on better-sqlite3
// (reconcile-sink.ts), the measured fast path. A PostgreSQL twin reads the same SELECTs, without the sink call, through
// a cursor (`each`). finishFacts, which reads plain rows, runs on either engine.

/**
 * Reads what reconciling a site needs, in passes that each read their table in storage order: refunds and
 * disputes; succeeded payments joined to the invoice they name (the join the bench's floor times); references that
 * name several invoices or none; invoices. Call it inside db.read, so every pass sees one snapshot.
 */
export function loadSiteFacts(db: Db, scope: FactScope): FactState {
  const maxSeq = (db.stmt('SELECT max(seq) FROM transactions').pluck().get() as number | null) ?? 0
  const maxRow = (db.stmt('SELECT max(rowid) FROM invoices').pluck().get() as number | null) ?? 0
  const state = new FactState(scope, maxSeq, maxRow)
  adjustmentsPass(db, state)
  const unresolved = paymentsPass(db, state, maxSeq)
  resolveReferences(db, state, unresolved)
  attemptsPass(db, state)
  invoicesPass(db, state, maxRow)
  handOverPayments(db, state, state.invoiceRows)
  return state
}

/** Hands over the plain pairs of these payments one by one after all (the ledger disagrees about them). */
export function handOverPairs(db: Db, state: FactState, seqs: readonly number[]): void {
  const rows: number[] = []
  for (const seq of seqs) {
    const row = state.paymentInvoice[seq]!
    if (state.paymentIndex[seq] === -1 && row > 0 && state.invoiceIndex[row] === -1) {
      state.unplain(row)
      rows.push(row)
    }
  }
  if (rows.length === 0) return
  for (const invoice of invoicesByRow(db, rows)) state.addInvoice(invoice)
  handOverPayments(db, state, rows)
}

/** The plain pairs' ids, payment -> invoice (tests measure every link a run makes against the sandbox's truth). */
export function plainLinks(db: Db, state: FactState): Array<{transaction: string; invoices: string[]; rule: string}> {
  const pairs: Array<[number, number]> = []
  state.forEachPlainPair((row, seq) => pairs.push([row, seq]))
  const invoiceIds = new Map(
    invoicesByRow(
      db,
      pairs.map(([row]) => row),
    ).map((i) => [i.row, i.id]),
  )
  const paymentIds = new Map(
    paymentsBySeq(
      db,
      pairs.map(([, seq]) => seq),
    ).map((p) => [p.seq, p.id]),
  )
  return pairs.map(([row, seq]) => ({
    transaction: paymentIds.get(seq)!,
    invoices: [invoiceIds.get(row)!],
    rule: 'reference',
  }))
}

const ADJUSTMENTS = `
  SELECT count(yms_reconcile_adjustment(seq, id, provider, customer, type, status, amount, currency, occurredAt,
    parent, parentSeq, parentPays)) FROM (
  SELECT c.seq, c.id, c.provider, c.customer_id AS customer, c.type, c.status, c.amount_minor AS amount, c.currency,
    c.occurred_at AS occurredAt, c.parent_external_id AS parent, p.seq AS parentSeq,
    (p.type = 'payment' AND p.status = 'succeeded' AND p.site_id = c.site_id) AS parentPays
  FROM transactions c INDEXED BY transactions_parent
  LEFT JOIN transactions p ON p.id = c.provider || ':' || c.parent_external_id
  WHERE c.parent_external_id IS NOT NULL AND c.site_id = @site AND c.type IN ('refund', 'dispute')
  ORDER BY c.seq)`

/** Refunds and disputes (few): handed over one by one; their payments are marked as having them. */
function adjustmentsPass(db: Db, state: FactState): void {
  const handler = (
    seq: number,
    id: string,
    provider: string,
    customer: string,
    type: 'refund' | 'dispute',
    status: string,
    amount: number,
    currency: string,
    occurredAt: string,
    parent: string,
    parentSeq: number | null,
    parentPays: number | null,
  ): number => {
    const paid = parentPays === 1 ? parentSeq : null
    if (paid !== null) state.hasChildren[paid] = 1
    const money = {minor: amount, currency}
    state.addAdjustment(
      seq,
      {id, provider, customer, type, status, occurredAt, parent: `${provider}:${parent}`, amount: money},
      paid,
    )
    if (type === 'refund' && status === 'succeeded') state.add(currency, 'refunds', amount)
    if (type === 'dispute' && (status === 'disputed' || status === 'lost')) state.add(currency, 'disputes', amount)
    return 0
  }
  withSinks(db.raw, {yms_reconcile_adjustment: handler as SinkHandler}, () =>
    db.stmt(ADJUSTMENTS).run({site: state.scope.site}),
  )
}

// Plain: what the rules would match by reference at zero difference (core/reconcile/facts.ts), in the site's
// currency, with no refund or dispute (the adjustments pass has marked those by seq, a byte each). Driven by transactions_status, so in seq order. A plain row crosses as four numbers (its provider as a
// code from a CASE over the known providers): strings are what a row costs most to cross; only the others cross
// whole.
function paymentsSql(providers: number): string {
  const provider =
    providers === 0
      ? '0'
      : `CASE t.provider ${Array.from({length: providers}, (_, k) => `WHEN @p${k} THEN ${k + 1}`).join(' ')} ELSE 0 END`
  return `
  SELECT count(CASE
    WHEN @tally AND t.currency = @currency AND i.site = @site AND i.customer = t.customer_id
      AND i.currency = t.currency AND i.amount_minor = t.amount_minor AND substr(@children, t.seq + 1, 1) <> x'01'
    THEN yms_reconcile_plain(i.rowid, t.seq, ${provider},
      CASE WHEN (@from IS NULL OR i.issued_at >= @from) AND (@to IS NULL OR i.issued_at < @to)
      THEN t.amount_minor ELSE -t.amount_minor END)
    ELSE yms_reconcile_payment(t.seq, t.id, t.provider, t.customer_id, t.amount_minor, t.currency, t.occurred_at,
      t.invoice_ref, i.rowid, i.site) END)
  FROM transactions t LEFT JOIN invoices i ON i.id = t.invoice_ref
  WHERE t.status = 'succeeded' AND t.type = 'payment' AND t.site_id = @site`
}

/** Returns the payments whose reference names no invoice by its whole text (several ids, or an unknown one). */
function paymentsPass(db: Db, state: FactState, maxSeq: number): Array<{index: number; seq: number}> {
  const {scope} = state
  const known = db.stmt('SELECT id FROM providers ORDER BY id').pluck().all() as string[]
  const params: Record<string, unknown> = {
    site: scope.site,
    currency: scope.currency,
    tally: scope.tallyPlain ? 1 : 0,
    from: scope.from,
    to: scope.to,
    // A payment with a refund or dispute is never plain: it crosses whole now, not looked up again later.
    children: state.hasChildren,
  }
  known.forEach((id, k) => {
    params[`p${k}`] = id
    state.providerCode(id) // codes 1..k in this order, as the CASE gives them
  })
  let seen = 0
  let plainInBase = 0
  const unknownProvider: number[] = []
  const unresolved: Array<{index: number; seq: number}> = []
  const {sqlPlain, paymentProvider, paymentAmount} = state
  withSinks(
    db.raw,
    {
      // An amount below zero: the invoice was issued outside the period (the pair counts, but not in the run).
      yms_reconcile_plain: (row, seq, code, signedAmount) => {
        const s = seq as number
        const amount = signedAmount as number
        if (++seen % PROGRESS_EVERY === 0) scope.onProgress?.('payments', s, maxSeq)
        if (code === 0) unknownProvider.push(s)
        sqlPlain[s] = amount < 0 ? 2 : 1
        paymentAmount[s] = amount < 0 ? -amount : amount
        paymentProvider[s] = code as number
        plainInBase += paymentAmount[s]!
        state.link(row as number, s)
        return 0
      },
      yms_reconcile_payment: (seq, id, provider, customer, amount, currency, occurredAt, invoiceRef, row, site) => {
        const payment = {seq, id, provider, customer, amount, currency, occurredAt, invoiceRef} as PaymentRow
        if (++seen % PROGRESS_EVERY === 0) scope.onProgress?.('payments', payment.seq, maxSeq)
        state.add(payment.currency, 'payments', payment.amount)
        paymentProvider[payment.seq] = state.providerCode(payment.provider)
        const index = state.addPayment(payment)
        if (row !== null && site === scope.site) {
          state.link(row as number, payment.seq)
          state.nameInvoice(index, row as number)
        } else if (row !== null) {
          state.facts.payments[index]!.unresolved.push({ref: payment.invoiceRef!, site: site as string})
        } else if (payment.invoiceRef !== null) unresolved.push({index, seq: payment.seq})
        return 1
      },
    },
    () => db.stmt(paymentsSql(known.length)).run(params),
  )
  state.add(scope.currency, 'payments', plainInBase)
  // Plain payments of a provider the connections table no longer has (removed without --purge): named now.
  for (const p of paymentsBySeq(db, unknownProvider)) paymentProvider[p.seq] = state.providerCode(p.provider)
  scope.onProgress?.('payments', maxSeq, maxSeq)
  return unresolved
}

/**
 * A reference that is no invoice id as a whole may list several ("inv-1, inv-2"): each part that is an invoice of
 * the site is named; the others are kept, with the site they belong to if any, for the note.
 */
function resolveReferences(db: Db, state: FactState, payments: ReadonlyArray<{index: number; seq: number}>): void {
  const lookup = db.stmt('SELECT rowid AS row, site FROM invoices WHERE id = ?')
  for (const {index, seq} of payments) {
    const payment = state.facts.payments[index]!
    for (const part of [...new Set(payment.invoiceRef!.split(/[\s,;]+/).filter((p) => p !== ''))]) {
      const hit = lookup.get(part) as {row: number; site: string} | undefined
      if (hit && hit.site === state.scope.site) {
        state.link(hit.row, seq)
        state.nameInvoice(index, hit.row)
      } else payment.unresolved.push({ref: part, site: hit?.site ?? null})
    }
  }
}

const ATTEMPTS = `
  SELECT count(yms_reconcile_attempt(i.rowid, t.seq)) FROM transactions t INDEXED BY transactions_status
  JOIN invoices i ON i.id = t.invoice_ref
  WHERE t.status IN ('pending', 'authorized', 'failed', 'canceled') AND t.type = 'payment' AND +t.site_id = @site
    AND i.site = @site`

/** Payments that name an invoice but have not succeeded (through transactions_status; as numbers). */
function attemptsPass(db: Db, state: FactState): void {
  withSinks(
    db.raw,
    {
      yms_reconcile_attempt: (row, seq) => {
        state.attempt(row as number, seq as number)
        return 0
      },
    },
    () => db.stmt(ATTEMPTS).run({site: state.scope.site}),
  )
}

const ATTEMPT_NAMES = bothWays((w) => `SELECT seq, id, status FROM transactions WHERE seq ${w.inList('integer')}`)

/**
 * The facts, finished: the attempts at each invoice handed over (ids and statuses read now, for those only), names
 * resolved, plain pairs tallied. Call it last, after every hand-over.
 */
export const finishFacts = dual(function* finishFacts(state: FactState): Ops<SiteFacts> {
  const attempts = [...state.attemptsOfHandedOver()]
  if (attempts.length > 0) {
    const rows = yield* all<{seq: number; id: string; status: string}>(ATTEMPT_NAMES, [
      JSON.stringify(attempts.map(([, seq]) => seq)),
    ])
    const bySeq = new Map(rows.map((r) => [r.seq, {id: r.id, status: r.status}]))
    // In the order they arrived (seq), whatever order the pass saw them in.
    for (const [index, seq] of attempts.sort((a, b) => a[1] - b[1]))
      state.facts.invoices[index]!.attempts.push(bySeq.get(seq)!)
  }
  return state.finish()
})

// Every invoice of the site is looked at, and only those that are not plain come back as rows: which are plain the
// payments pass has found, and crosses into SQL as one blob, a byte per rowid (1: plain), tested there. A plain
// invoice's amount is its payment's (the payments pass compared them). The site's rowids are read from
// invoices_site_due (it covers site and rowid) and only the rows that are not plain are read from the table: at a
// million invoices, 96% plain, 0.12-0.14 s against 0.16-0.20 s for a scan of the table (measured alone).
function invoicesPass(db: Db, state: FactState, maxRow: number): void {
  const {scope, firstPayment, paymentAmount} = state
  // Calling into JavaScript for each of a million invoices cost more than the scan itself (measured).
  const plain = new Uint8Array(maxRow + 1)
  let invoicedInBase = 0
  for (let row = 1; row <= maxRow; row++)
    if (state.isPlain(row)) {
      plain[row] = 1
      invoicedInBase += paymentAmount[firstPayment[row]!]!
    }
  const rows = invoicesWhere(
    db,
    "rowid IN (SELECT rowid FROM invoices INDEXED BY invoices_site_due WHERE site = @site AND substr(@plain, rowid + 1, 1) <> x'01')",
    {site: scope.site, plain},
  )
  state.add(scope.currency, 'invoices', invoicedInBase)
  scope.onProgress?.('invoices', maxRow, maxRow)
  for (const row of rows) {
    state.add(row.currency, 'invoices', row.amount)
    state.addInvoice(row)
  }
}

/** Every payment naming one of these invoices that was not handed over yet (plain ones of a pair that is not). */
function handOverPayments(db: Db, state: FactState, rows: readonly number[]): void {
  const seqs: number[] = []
  for (const row of rows)
    for (let seq = state.firstPayment[row]!; seq > 0; seq = state.nextPayment[seq]!)
      if (state.paymentIndex[seq] === -1) seqs.push(seq)
  for (const payment of paymentsBySeq(db, seqs)) {
    const index = state.addPayment(payment)
    state.nameInvoice(index, state.paymentInvoice[payment.seq]!)
  }
}

/** These payments, in seq order, each as it crosses (rows cross as a sink's arguments: half the cost of .all()). */
export function paymentsBySeq(db: Db, seqs: readonly number[]): PaymentRow[] {
  if (seqs.length === 0) return []
  const out: PaymentRow[] = []
  withSinks(
    db.raw,
    {
      yms_reconcile_row: (seq, id, provider, customer, amount, currency, occurredAt, invoiceRef) => {
        out.push({seq, id, provider, customer, amount, currency, occurredAt, invoiceRef} as PaymentRow)
        return 0
      },
    },
    () =>
      db
        .stmt(
          `SELECT count(yms_reconcile_row(seq, id, provider, customer_id, amount_minor, currency, occurred_at,
             invoice_ref)) FROM (SELECT seq, id, provider, customer_id, amount_minor, currency, occurred_at, invoice_ref
             FROM transactions WHERE seq IN (SELECT value FROM json_each(?)) ORDER BY seq)`,
        )
        .run(JSON.stringify(seqs)),
  )
  return out
}

function invoicesByRow(db: Db, rows: readonly number[]): InvoiceRow[] {
  return invoicesWhere(db, 'rowid IN (SELECT value FROM json_each(@rows))', {rows: JSON.stringify(rows)})
}

/** Invoices matching `where` (an SQL condition over invoices), in rowid order, crossing as a sink's arguments. */
function invoicesWhere(db: Db, where: string, params: Record<string, unknown>): InvoiceRow[] {
  const out: InvoiceRow[] = []
  withSinks(
    db.raw,
    {
      yms_reconcile_row: (row, id, customer, amount, currency, issuedAt, dueAt) => {
        out.push({row, id, customer, amount, currency, issuedAt, dueAt} as InvoiceRow)
        return 0
      },
    },
    () =>
      db
        .stmt(
          `SELECT count(yms_reconcile_row(rowid, id, customer, amount_minor, currency, issued_at, due_at))
           FROM (SELECT rowid, id, customer, amount_minor, currency, issued_at, due_at FROM invoices WHERE ${where}
             ORDER BY rowid)`,
        )
        .run(params),
  )
  return out
}
