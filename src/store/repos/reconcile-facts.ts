import type {SiteFacts} from '../../core/reconcile/facts.js'
import type {Db} from '../db.js'
import {bothWays} from '../ops/dialect.js'
import {dual, type Dual} from '../ops/dual.js'
import {all, each, type Ops, value, values} from '../ops/op.js'
import {FactState, type FactScope, type InvoiceRow, type PaymentRow} from './reconcile-fact-state.js'
import {invoiceRow} from './reconcile-ledger.js'
import {type SinkHandler, withSinks} from './reconcile-sink.js'

export type {FactScope} from './reconcile-fact-state.js'
export {FactState} from './reconcile-fact-state.js'

const PROGRESS_EVERY = 1 << 16

// Each pass has two readers. SQLite's (`loadSiteFacts(db, …)`, `handOverPairs(db, …)`, …) hands its rows to
// JavaScript as the arguments of SQL functions registered on better-sqlite3 (reconcile-sink.ts): the measured fast
// path. Its twin (`.ops`) reads the same SELECTs without the sink calls, row by row through a cursor (`each`), and
// feeds them to the same handlers: PostgreSQL's path, which SQLite runs too when asked through a handle without its
// Db (the tests hold the two to the same facts). finishFacts, which reads plain rows, is one for both.
//
// An invoice's `row`, which the state's arrays are indexed by, is its row_no (import order, schema version 16), on
// SQLite the rowid itself: the sink statements below say rowid, the same column.

const MAX_ROW = 'SELECT max(row_no) FROM invoices'

/** Twin of a pass: SQLite's sink reader as the call, the cursor reader as `.ops`. */
function twin<A extends unknown[], T>(sqlite: (db: Db, ...args: A) => T, ops: (...args: A) => Ops<T>): Dual<A, T> {
  return Object.assign(sqlite, {ops})
}

/**
 * States read through the sinks, and the Db they were read from: what is handed over later (the ledger check, the
 * quarantine, the links, written once as statements) goes on through the sinks, inside the caller's read of that Db.
 */
const readBySinks = new WeakMap<FactState, Db>()

/**
 * Reads what reconciling a site needs, in passes that each read their table in storage order: refunds and
 * disputes; succeeded payments joined to the invoice they name (the join the bench's floor times); references that
 * name several invoices or none; invoices. Call it inside db.read, so every pass sees one snapshot.
 */
export const loadSiteFacts = twin(function loadSiteFacts(db: Db, scope: FactScope): FactState {
  const maxSeq = (db.stmt('SELECT max(seq) FROM transactions').pluck().get() as number | null) ?? 0
  const maxRow = (db.stmt(MAX_ROW).pluck().get() as number | null) ?? 0
  const state = new FactState(scope, maxSeq, maxRow)
  readBySinks.set(state, db)
  adjustmentsPass(db, state)
  const unresolved = paymentsPass(db, state, maxSeq)
  resolveReferences(db, state, unresolved)
  attemptsPass(db, state)
  invoicesPass(db, state, maxRow)
  handOverPayments(db, state, state.invoiceRows)
  return state
}, siteFactsOps)

/** loadSiteFacts's twin: the same passes, read through cursors. Run it in one read (ledger.read), one snapshot. */
function* siteFactsOps(scope: FactScope): Ops<FactState> {
  const maxSeq = (yield* value<number | null>('SELECT max(seq) FROM transactions')) ?? 0
  const maxRow = (yield* value<number | null>(MAX_ROW)) ?? 0
  const state = new FactState(scope, maxSeq, maxRow)
  yield* adjustmentsOps(state)
  const unresolved = yield* paymentsOps(state, maxSeq)
  yield* resolveReferencesOps(state, unresolved)
  yield* attemptsOps(state)
  yield* invoicesOps(state, maxRow)
  yield* handOverPaymentsOps(state, state.invoiceRows)
  return state
}

/** Hands over the plain pairs of these payments one by one after all (the ledger disagrees about them). */
export const handOverPairs = twin(
  function handOverPairs(db: Db, state: FactState, seqs: readonly number[]): void {
    const rows = unplainPairs(state, seqs)
    if (rows.length === 0) return
    for (const invoice of invoicesByRow(db, rows)) state.addInvoice(invoice)
    handOverPayments(db, state, rows)
  },
  function* handOverPairsOps(state: FactState, seqs: readonly number[]): Ops<void> {
    const db = readBySinks.get(state)
    if (db !== undefined) return handOverPairs(db, state, seqs)
    const rows = unplainPairs(state, seqs)
    if (rows.length === 0) return
    for (const invoice of yield* invoicesByRowOps(rows)) state.addInvoice(invoice)
    yield* handOverPaymentsOps(state, rows)
  },
)

/** The invoice rows of these payments' plain pairs, each marked as no longer plain. */
function unplainPairs(state: FactState, seqs: readonly number[]): number[] {
  const rows: number[] = []
  for (const seq of seqs) {
    const row = state.paymentInvoice[seq]!
    if (state.paymentIndex[seq] === -1 && row > 0 && state.invoiceIndex[row] === -1) {
      state.unplain(row)
      rows.push(row)
    }
  }
  return rows
}

type Link = {transaction: string; invoices: string[]; rule: string}

/** The plain pairs' ids, payment -> invoice (tests measure every link a run makes against the sandbox's truth). */
export const plainLinks = twin(
  function plainLinks(db: Db, state: FactState): Link[] {
    const pairs = plainPairs(state)
    return linksOf(
      pairs,
      invoicesByRow(
        db,
        pairs.map(([row]) => row),
      ),
      paymentsBySeq(
        db,
        pairs.map(([, seq]) => seq),
      ),
    )
  },
  function* plainLinksOps(state: FactState): Ops<Link[]> {
    const db = readBySinks.get(state)
    if (db !== undefined) return plainLinks(db, state)
    const pairs = plainPairs(state)
    const invoices = yield* invoicesByRowOps(pairs.map(([row]) => row))
    return linksOf(pairs, invoices, yield* paymentsBySeq.ops(pairs.map(([, seq]) => seq)))
  },
)

function plainPairs(state: FactState): Array<[number, number]> {
  const pairs: Array<[number, number]> = []
  state.forEachPlainPair((row, seq) => pairs.push([row, seq]))
  return pairs
}

function linksOf(
  pairs: ReadonlyArray<[number, number]>,
  invoices: readonly InvoiceRow[],
  payments: readonly PaymentRow[],
): Link[] {
  const invoiceIds = new Map(invoices.map((i) => [i.row, i.id]))
  const paymentIds = new Map(payments.map((p) => [p.seq, p.id]))
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

type AdjustmentHandler = (
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
) => number

/** What the adjustments pass does with each refund or dispute, whichever reader hands it over. */
function adjustmentHandler(state: FactState): AdjustmentHandler {
  return (seq, id, provider, customer, type, status, amount, currency, occurredAt, parent, parentSeq, parentPays) => {
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
}

/** Refunds and disputes (few): handed over one by one; their payments are marked as having them. */
function adjustmentsPass(db: Db, state: FactState): void {
  withSinks(db.raw, {yms_reconcile_adjustment: adjustmentHandler(state) as SinkHandler}, () =>
    db.stmt(ADJUSTMENTS).run({site: state.scope.site}),
  )
}

// The twins' columns are snake_case, so one text serves both engines (PostgreSQL folds an unquoted alias to lower
// case). A comparison comes back as 1/0 from SQLite, as a boolean from PostgreSQL, NULL from both.
const ADJUSTMENT_ROWS = `
  SELECT c.seq, c.id, c.provider, c.customer_id AS customer, c.type, c.status, c.amount_minor AS amount, c.currency,
    c.occurred_at, c.parent_external_id AS parent, p.seq AS parent_seq,
    (p.type = 'payment' AND p.status = 'succeeded' AND p.site_id = c.site_id) AS parent_pays
  FROM transactions c LEFT JOIN transactions p ON p.id = c.provider || ':' || c.parent_external_id
  WHERE c.parent_external_id IS NOT NULL AND c.site_id = @site AND c.type IN ('refund', 'dispute')
  ORDER BY c.seq`

interface AdjustmentRow {
  seq: number
  id: string
  provider: string
  customer: string
  type: 'refund' | 'dispute'
  status: string
  amount: number
  currency: string
  occurred_at: string
  parent: string
  parent_seq: number | null
  parent_pays: boolean | number | null
}

function* adjustmentsOps(state: FactState): Ops<void> {
  const handle = adjustmentHandler(state)
  yield* each<AdjustmentRow>(ADJUSTMENT_ROWS, {site: state.scope.site}, (r) => {
    const pays = r.parent_pays === null ? null : truthy(r.parent_pays) ? 1 : 0
    handle(
      r.seq,
      r.id,
      r.provider,
      r.customer,
      r.type,
      r.status,
      r.amount,
      r.currency,
      r.occurred_at,
      r.parent,
      r.parent_seq,
      pays,
    )
  })
}

const truthy = (v: boolean | number | null): boolean => v === true || v === 1

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

/**
 * What the payments pass does with each succeeded payment, whichever reader hands it over: a plain one as four
 * numbers (`plain`), any other whole (`payment`). `end` adds up the plain ones once the pass is over.
 */
function paymentHandlers(state: FactState, maxSeq: number) {
  const {scope, sqlPlain, paymentProvider, paymentAmount} = state
  let seen = 0
  let plainInBase = 0
  const unknownProvider: number[] = []
  const unresolved: Array<{index: number; seq: number}> = []
  return {
    unknownProvider,
    unresolved,
    // An amount below zero: the invoice was issued outside the period (the pair counts, but not in the run).
    plain: (row: number, seq: number, code: number, signedAmount: number): number => {
      const s = seq
      const amount = signedAmount
      if (++seen % PROGRESS_EVERY === 0) scope.onProgress?.('payments', s, maxSeq)
      if (code === 0) unknownProvider.push(s)
      sqlPlain[s] = amount < 0 ? 2 : 1
      paymentAmount[s] = amount < 0 ? -amount : amount
      paymentProvider[s] = code
      plainInBase += paymentAmount[s]!
      state.link(row, s)
      return 0
    },
    payment: (
      seq: number,
      id: string,
      provider: string,
      customer: string,
      amount: number,
      currency: string,
      occurredAt: string,
      invoiceRef: string | null,
      row: number | null,
      site: string | null,
    ): number => {
      const payment = {seq, id, provider, customer, amount, currency, occurredAt, invoiceRef} as PaymentRow
      if (++seen % PROGRESS_EVERY === 0) scope.onProgress?.('payments', payment.seq, maxSeq)
      state.add(payment.currency, 'payments', payment.amount)
      paymentProvider[payment.seq] = state.providerCode(payment.provider)
      const index = state.addPayment(payment)
      if (row !== null && site === scope.site) {
        state.link(row, payment.seq)
        state.nameInvoice(index, row)
      } else if (row !== null) {
        state.facts.payments[index]!.unresolved.push({ref: payment.invoiceRef!, site})
      } else if (payment.invoiceRef !== null) unresolved.push({index, seq: payment.seq})
      return 1
    },
    end: () => state.add(scope.currency, 'payments', plainInBase),
  }
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
  const handlers = paymentHandlers(state, maxSeq)
  withSinks(
    db.raw,
    {yms_reconcile_plain: handlers.plain as SinkHandler, yms_reconcile_payment: handlers.payment as SinkHandler},
    () => db.stmt(paymentsSql(known.length)).run(params),
  )
  handlers.end()
  // Plain payments of a provider the connections table no longer has (removed without --purge): named now.
  for (const p of paymentsBySeq(db, handlers.unknownProvider))
    state.paymentProvider[p.seq] = state.providerCode(p.provider)
  scope.onProgress?.('payments', maxSeq, maxSeq)
  return handlers.unresolved
}

// SQLite's CASE above as columns: PostgreSQL types a parameter where it first meets it, so @from and @to are cast
// before their NULL tests.
const PAYMENT_ROWS = `
  SELECT t.seq, t.id, t.provider, t.customer_id AS customer, t.amount_minor AS amount, t.currency, t.occurred_at,
    t.invoice_ref, i.row_no, i.site,
    (t.currency = @currency AND i.site = @site AND i.customer = t.customer_id AND i.currency = t.currency
      AND i.amount_minor = t.amount_minor) AS same_terms,
    ((CAST(@from AS text) IS NULL OR i.issued_at >= @from) AND (CAST(@to AS text) IS NULL OR i.issued_at < @to))
      AS issued_in_period
  FROM transactions t LEFT JOIN invoices i ON i.id = t.invoice_ref
  WHERE t.status = 'succeeded' AND t.type = 'payment' AND t.site_id = @site
  ORDER BY t.seq`

interface PaymentJoinRow {
  seq: number
  id: string
  provider: string
  customer: string
  amount: number
  currency: string
  occurred_at: string
  invoice_ref: string | null
  row_no: number | null
  site: string | null
  same_terms: boolean | number | null
  issued_in_period: boolean | number | null
}

/** paymentsPass's twin: SQLite's plainness test, made in JavaScript from the columns it compares. */
function* paymentsOps(state: FactState, maxSeq: number): Ops<Array<{index: number; seq: number}>> {
  const {scope, hasChildren} = state
  const codes = new Map<string, number>()
  for (const id of yield* values<string>('SELECT id FROM providers ORDER BY id')) codes.set(id, state.providerCode(id))
  const handlers = paymentHandlers(state, maxSeq)
  const {plain, payment} = handlers
  yield* each<PaymentJoinRow>(
    PAYMENT_ROWS,
    {site: scope.site, currency: scope.currency, from: scope.from, to: scope.to},
    (r) => {
      if (scope.tallyPlain && truthy(r.same_terms) && hasChildren[r.seq] !== 1)
        plain(r.row_no!, r.seq, codes.get(r.provider) ?? 0, truthy(r.issued_in_period) ? r.amount : -r.amount)
      else
        payment(
          r.seq,
          r.id,
          r.provider,
          r.customer,
          r.amount,
          r.currency,
          r.occurred_at,
          r.invoice_ref,
          r.row_no,
          r.site,
        )
    },
  )
  handlers.end()
  for (const p of yield* paymentsBySeq.ops(handlers.unknownProvider))
    state.paymentProvider[p.seq] = state.providerCode(p.provider)
  scope.onProgress?.('payments', maxSeq, maxSeq)
  return handlers.unresolved
}

/** The distinct parts of a reference that is no invoice id as a whole ("inv-1, inv-2"). */
function referenceParts(state: FactState, index: number): string[] {
  return [...new Set(state.facts.payments[index]!.invoiceRef!.split(/[\s,;]+/).filter((p) => p !== ''))]
}

/** A part of a reference is an invoice of the site (named), or not (kept, with the site it belongs to if any). */
function resolvePart(
  state: FactState,
  payment: {index: number; seq: number},
  part: string,
  hit: {row: number; site: string} | null | undefined,
): void {
  if (hit && hit.site === state.scope.site) {
    state.link(hit.row, payment.seq)
    state.nameInvoice(payment.index, hit.row)
  } else state.facts.payments[payment.index]!.unresolved.push({ref: part, site: hit?.site ?? null})
}

/**
 * A reference that is no invoice id as a whole may list several ("inv-1, inv-2"): each part that is an invoice of
 * the site is named; the others are kept, with the site they belong to if any, for the note.
 */
function resolveReferences(db: Db, state: FactState, payments: ReadonlyArray<{index: number; seq: number}>): void {
  const lookup = db.stmt('SELECT rowid AS row, site FROM invoices WHERE id = ?')
  for (const payment of payments)
    for (const part of referenceParts(state, payment.index))
      resolvePart(state, payment, part, lookup.get(part) as {row: number; site: string} | undefined)
}

function* resolveReferencesOps(state: FactState, payments: ReadonlyArray<{index: number; seq: number}>): Ops<void> {
  for (const payment of payments)
    for (const part of referenceParts(state, payment.index))
      resolvePart(state, payment, part, yield* invoiceRow.ops(part))
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

const ATTEMPT_ROWS = `
  SELECT i.row_no, t.seq FROM transactions t JOIN invoices i ON i.id = t.invoice_ref
  WHERE t.status IN ('pending', 'authorized', 'failed', 'canceled') AND t.type = 'payment' AND t.site_id = @site
    AND i.site = @site
  ORDER BY t.seq`

function* attemptsOps(state: FactState): Ops<void> {
  yield* each<{row_no: number; seq: number}>(ATTEMPT_ROWS, {site: state.scope.site}, (r) =>
    state.attempt(r.row_no, r.seq),
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

/** The plain invoices of the state as a byte per row (1: plain), and what they add up to (their payments' amounts). */
function plainInvoices(state: FactState, maxRow: number): {plain: Uint8Array; invoicedInBase: number} {
  const {firstPayment, paymentAmount} = state
  // Calling into JavaScript for each of a million invoices cost more than the scan itself (measured).
  const plain = new Uint8Array(maxRow + 1)
  let invoicedInBase = 0
  for (let row = 1; row <= maxRow; row++)
    if (state.isPlain(row)) {
      plain[row] = 1
      invoicedInBase += paymentAmount[firstPayment[row]!]!
    }
  return {plain, invoicedInBase}
}

// Every invoice of the site is looked at, and only those that are not plain come back as rows: which are plain the
// payments pass has found, and crosses into SQL as one blob, a byte per rowid (1: plain), tested there. A plain
// invoice's amount is its payment's (the payments pass compared them). The site's rowids are read from
// invoices_site_due (it covers site and rowid) and only the rows that are not plain are read from the table: at a
// million invoices, 96% plain, 0.12-0.14 s against 0.16-0.20 s for a scan of the table (measured alone).
function invoicesPass(db: Db, state: FactState, maxRow: number): void {
  const {scope} = state
  const {plain, invoicedInBase} = plainInvoices(state, maxRow)
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

interface InvoiceRowRow {
  row_no: number
  id: string
  customer: string
  amount: number
  currency: string
  issued_at: string
  due_at: string | null
}

const invoiceRowsWhere = (where: string) => `
  SELECT i.row_no, i.id, i.customer, i.amount_minor AS amount, i.currency, i.issued_at, i.due_at
  FROM invoices i WHERE ${where} ORDER BY row_no`

const SITE_INVOICES = invoiceRowsWhere('i.site = @site')

const toInvoiceRow = (r: InvoiceRowRow): InvoiceRow => ({
  row: r.row_no,
  id: r.id,
  customer: r.customer,
  amount: r.amount,
  currency: r.currency,
  issuedAt: r.issued_at,
  dueAt: r.due_at,
})

/** invoicesPass's twin: every invoice of the site through a cursor, the plain ones skipped here. */
function* invoicesOps(state: FactState, maxRow: number): Ops<void> {
  const {scope} = state
  const {plain, invoicedInBase} = plainInvoices(state, maxRow)
  const rows: InvoiceRow[] = []
  yield* each<InvoiceRowRow>(SITE_INVOICES, {site: scope.site}, (r) => {
    if (plain[r.row_no] !== 1) rows.push(toInvoiceRow(r))
  })
  state.add(scope.currency, 'invoices', invoicedInBase)
  scope.onProgress?.('invoices', maxRow, maxRow)
  for (const row of rows) {
    state.add(row.currency, 'invoices', row.amount)
    state.addInvoice(row)
  }
}

/** The payments naming these invoices that were not handed over yet (plain ones of a pair that is not). */
function paymentsToHandOver(state: FactState, rows: readonly number[]): number[] {
  const seqs: number[] = []
  for (const row of rows)
    for (let seq = state.firstPayment[row]!; seq > 0; seq = state.nextPayment[seq]!)
      if (state.paymentIndex[seq] === -1) seqs.push(seq)
  return seqs
}

function takePayments(state: FactState, payments: readonly PaymentRow[]): void {
  for (const payment of payments) {
    const index = state.addPayment(payment)
    state.nameInvoice(index, state.paymentInvoice[payment.seq]!)
  }
}

/** Every payment naming one of these invoices that was not handed over yet (plain ones of a pair that is not). */
function handOverPayments(db: Db, state: FactState, rows: readonly number[]): void {
  takePayments(state, paymentsBySeq(db, paymentsToHandOver(state, rows)))
}

function* handOverPaymentsOps(state: FactState, rows: readonly number[]): Ops<void> {
  takePayments(state, yield* paymentsBySeq.ops(paymentsToHandOver(state, rows)))
}

const PAYMENTS_BY_SEQ = bothWays(
  (w) => `SELECT seq, id, provider, customer_id AS customer, amount_minor AS amount, currency, occurred_at, invoice_ref
  FROM transactions WHERE seq ${w.inList('integer')} ORDER BY seq`,
)

/** These payments, in seq order, each as it crosses (rows cross as a sink's arguments: half the cost of .all()). */
export const paymentsBySeq = twin(
  function paymentsBySeq(db: Db, seqs: readonly number[]): PaymentRow[] {
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
  },
  function* paymentsBySeqOps(seqs: readonly number[]): Ops<PaymentRow[]> {
    if (seqs.length === 0) return []
    const out: PaymentRow[] = []
    yield* each<Omit<PaymentRow, 'occurredAt' | 'invoiceRef'> & {occurred_at: string; invoice_ref: string | null}>(
      PAYMENTS_BY_SEQ,
      [JSON.stringify(seqs)],
      ({occurred_at, invoice_ref, ...p}) => out.push({...p, occurredAt: occurred_at, invoiceRef: invoice_ref}),
    )
    return out
  },
)

function invoicesByRow(db: Db, rows: readonly number[]): InvoiceRow[] {
  return invoicesWhere(db, 'rowid IN (SELECT value FROM json_each(@rows))', {rows: JSON.stringify(rows)})
}

const INVOICES_BY_ROW = bothWays((w) => invoiceRowsWhere(`i.row_no ${w.inList('integer')}`))

function* invoicesByRowOps(rows: readonly number[]): Ops<InvoiceRow[]> {
  if (rows.length === 0) return []
  const out: InvoiceRow[] = []
  yield* each<InvoiceRowRow>(INVOICES_BY_ROW, [JSON.stringify(rows)], (r) => out.push(toInvoiceRow(r)))
  return out
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
