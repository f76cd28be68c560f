import {formatMoney} from '../../core/money.js'
import {customerEffect} from '../../core/reconcile/effect.js'
import {addBalance, customersThatDisagree, expectedBalances, type Balances} from '../../core/reconcile/identity.js'
import type {Money} from '../../core/transaction.js'
import {dual} from '../../store/ops/dual.js'
import type {Ops} from '../../store/ops/op.js'
import {type FactState, handOverPairs} from '../../store/repos/reconcile-facts.js'
import {
  customerInvoices,
  customerTransactions,
  invoicePostings,
  postingsOnCustomers,
  siteCustomerBalances,
} from '../../store/repos/reconcile-ledger.js'

export interface LedgerCheck {
  /** Per customer and currency: the ledger's balances, and what the invoices and the gateways' reports imply. */
  ledger: Balances
  expected: Balances
  /** Customers whose difference no transaction or invoice explains (e.g. postings of a purged provider). */
  unexplained: string[]
}

interface CheckedTxn {
  seq: number
  id: string
  provider: string
  type: string
  status: string
  amount: Money
  customer: string
  /** The payment (fact index) a finding about it belongs to: itself, or a refund's or dispute's payment. */
  payment: number
  /** A refund or dispute of no succeeded payment of the site: a finding of its own already (orphanAdjustment). */
  orphan: boolean
}

const MOVES_MONEY = new Set(['payment', 'refund', 'dispute'])

/**
 * Finds where the ledger disagrees with the gateways and the YMS. Every customer's balance is compared with what its
 * invoices and transactions imply; only where a customer differs are postings compared object by object: first the
 * objects the run already holds of that customer, then, if that does not explain the whole difference, everything
 * the customer has (a scan of the site's transactions index). A per-object comparison of every customer would cost
 * as much as the whole run (test/bench/reconcile.ts). Adds a posting issue for each object that differs.
 */
export const checkLedger = dual(function* checkLedger(state: FactState): Ops<LedgerCheck> {
  const site = state.scope.site
  const expected = expectedBalances(state.facts)
  const ledger = yield* siteCustomerBalances.ops(site)
  const disagree = customersThatDisagree(expected, ledger)
  if (disagree.length === 0) return {ledger, expected, unexplained: []}
  const explained: Balances = new Map()
  const checked = {txns: new Set<number>(), invoices: new Set<string>()}
  const who = new Set(disagree)
  yield* checkTransactions(state, heldTransactions(state, who), explained, checked.txns)
  yield* checkInvoices(state, heldInvoices(state, who), explained, checked.invoices)
  let remaining = disagree.filter((c) => !explainedFully(c, ledger, expected, explained))
  if (remaining.length > 0) {
    const more = (yield* customerTransactions.ops(site, remaining)).filter((t) => !checked.txns.has(t.seq))
    yield* checkTransactions(
      state,
      more.map((t) => ({
        ...t,
        amount: {minor: t.amount, currency: t.currency},
        payment: t.type === 'payment' ? -2 : t.parentSeq === null ? -1 : (state.paymentIndex[t.parentSeq] ?? -1),
        orphan: t.type !== 'payment' && (t.parentSeq === null || (state.paymentIndex[t.parentSeq] ?? -1) < 0),
      })),
      explained,
      checked.txns,
      new Map(more.map((t) => [t.seq, t.posted])),
    )
    const invoices = (yield* customerInvoices.ops(site, remaining)).filter((i) => !checked.invoices.has(i.id))
    yield* checkInvoices(state, invoices, explained, checked.invoices, new Map(invoices.map((i) => [i.id, i.posted])))
    remaining = remaining.filter((c) => !explainedFully(c, ledger, expected, explained))
  }
  return {ledger, expected, unexplained: remaining}
})

function heldTransactions(state: FactState, who: ReadonlySet<string>): CheckedTxn[] {
  const out: CheckedTxn[] = []
  state.facts.payments.forEach((p, i) => {
    if (who.has(p.customer))
      out.push({...p, seq: state.paymentSeqs[i]!, type: 'payment', status: 'succeeded', payment: i, orphan: false})
  })
  state.facts.adjustments.forEach((a, i) => {
    const payment = state.adjustmentPayment(i)
    if (who.has(a.customer)) out.push({...a, seq: state.adjustmentSeqs[i]!, payment, orphan: payment < 0})
  })
  return out
}

function heldInvoices(state: FactState, who: ReadonlySet<string>) {
  return state.facts.invoices.flatMap((i, index) =>
    who.has(i.customer)
      ? [
          {
            row: state.invoiceRows[index]!,
            id: i.id,
            customer: i.customer,
            amount: i.amount.minor,
            currency: i.amount.currency,
          },
        ]
      : [],
  )
}

/** payment -2: a succeeded payment found by the scan, whose plain pair (if any) is handed over now. */
function* checkTransactions(
  state: FactState,
  txns: readonly CheckedTxn[],
  explained: Balances,
  checked: Set<number>,
  known?: ReadonlyMap<number, ReadonlyMap<string, number>>,
): Ops<void> {
  const posted = known ?? (yield* postingsOnCustomers.ops(txns.map((t) => t.seq)))
  for (const t of txns) {
    checked.add(t.seq)
    const onAccount = posted.get(t.seq) ?? new Map<string, number>()
    const effect = MOVES_MONEY.has(t.type) ? customerEffect(t) : 0
    if (agrees(onAccount, t.amount.currency, effect)) continue
    for (const [currency, minor] of onAccount) addBalance(explained, t.customer, currency, minor)
    addBalance(explained, t.customer, t.amount.currency, 0 - effect)
    if (t.orphan && MOVES_MONEY.has(t.type)) continue
    let payment = t.payment
    if (payment === -2) payment = t.status === 'succeeded' ? yield* paymentFact.ops(state, t.seq) : -1
    state.facts.issues.push({
      kind: 'posting',
      object: t.id,
      payment,
      invoice: -1,
      customer: t.customer,
      reported: `the gateway last reported ${t.type} ${t.id} as ${t.status} (${formatMoney(t.amount)})`,
      expected: {minor: effect, currency: t.amount.currency},
      posted: {minor: onAccount.get(t.amount.currency) ?? 0, currency: t.amount.currency},
      held: null,
      inScope: state.selected(t.provider),
    })
  }
}

function* checkInvoices(
  state: FactState,
  invoices: ReadonlyArray<{row: number; id: string; customer: string; amount: number; currency: string}>,
  explained: Balances,
  checked: Set<string>,
  known?: ReadonlyMap<string, ReadonlyMap<string, number>>,
): Ops<void> {
  const posted = known ?? (yield* invoicePostings.ops(invoices.map((i) => i.id)))
  for (const i of invoices) {
    checked.add(i.id)
    const onAccount = posted.get(i.id) ?? new Map<string, number>()
    if (agrees(onAccount, i.currency, i.amount)) continue
    for (const [currency, minor] of onAccount) addBalance(explained, i.customer, currency, minor)
    addBalance(explained, i.customer, i.currency, 0 - i.amount)
    if (state.invoiceIndex[i.row] === -1) yield* handOverPairs.ops(state, [state.firstPayment[i.row]!])
    state.facts.issues.push({
      kind: 'posting',
      object: `invoice:${i.id}`,
      payment: -1,
      invoice: state.invoiceIndex[i.row] ?? -1,
      customer: i.customer,
      reported: `the YMS invoice ${i.id} is for ${formatMoney({minor: i.amount, currency: i.currency})}`,
      expected: {minor: i.amount, currency: i.currency},
      posted: {minor: onAccount.get(i.currency) ?? 0, currency: i.currency},
      held: null,
      inScope: true,
    })
  }
}

function agrees(posted: ReadonlyMap<string, number>, currency: string, expected: number): boolean {
  for (const [c, minor] of posted) if (c !== currency && minor !== 0) return false
  return (posted.get(currency) ?? 0) === expected
}

/** The customer's whole difference (ledger - expected, per currency) is what the issues found account for. */
function explainedFully(customer: string, ledger: Balances, expected: Balances, explained: Balances): boolean {
  const delta = new Map(ledger.get(customer) ?? [])
  for (const [currency, minor] of expected.get(customer) ?? []) delta.set(currency, (delta.get(currency) ?? 0) - minor)
  const said = explained.get(customer) ?? new Map<string, number>()
  for (const currency of new Set([...delta.keys(), ...said.keys()]))
    if ((delta.get(currency) ?? 0) !== (said.get(currency) ?? 0)) return false
  return true
}

/** The fact index of a succeeded payment, handing its plain pair over first if it was only tallied. */
export const paymentFact = dual(function* paymentFact(state: FactState, seq: number): Ops<number> {
  if (state.paymentIndex[seq] === -1) yield* handOverPairs.ops(state, [seq])
  return state.paymentIndex[seq] ?? -1
})
