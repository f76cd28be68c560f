import {formatMoney} from '../../core/money.js'
import {customerEffect} from '../../core/reconcile/effect.js'
import type {LedgerIssue} from '../../core/reconcile/facts.js'
import {addBalance, customersThatDisagree, expectedBalances, type Balances} from '../../core/reconcile/identity.js'
import type {Db} from '../../store/db.js'
import {type FactState, handOverPairs} from '../../store/repos/reconcile-facts.js'
import {customerInvoices, customerTransactions, siteCustomerBalances} from '../../store/repos/reconcile-ledger.js'

export interface LedgerCheck {
  /** Per customer and currency: the ledger's balances, and what the invoices and the gateways' reports imply. */
  ledger: Balances
  expected: Balances
  /** Customers whose difference no transaction or invoice explains (e.g. postings of a purged provider). */
  unexplained: string[]
}

const MOVES_MONEY = new Set(['payment', 'refund', 'dispute'])

/**
 * Finds where the ledger disagrees with the gateways and the YMS. Every customer's balance is compared with what its
 * invoices and transactions imply; only for the customers that differ is each transaction's and invoice's posting
 * compared (the rest agree in sum, and a per-transaction comparison of every customer would cost as much as the
 * whole run: test/bench/reconcile.ts). Adds a posting issue for each object that differs.
 */
export function checkLedger(db: Db, state: FactState): LedgerCheck {
  const site = state.scope.site
  const expected = expectedBalances(state.facts)
  const ledger = siteCustomerBalances(db, site)
  const disagree = customersThatDisagree(expected, ledger)
  if (disagree.length === 0) return {ledger, expected, unexplained: []}
  const explained: Balances = new Map()
  for (const t of customerTransactions(db, site, disagree)) {
    const amount = {minor: t.amount, currency: t.currency}
    const effect = MOVES_MONEY.has(t.type) ? customerEffect({...t, amount}) : 0
    if (agrees(t.posted, t.currency, effect)) continue
    for (const [currency, minor] of t.posted) addBalance(explained, t.customer, currency, minor)
    addBalance(explained, t.customer, t.currency, 0 - effect)
    let payment = -1
    if (t.type === 'payment' && t.status === 'succeeded') payment = paymentFact(db, state, t.seq)
    else if (t.type !== 'payment' && t.parentSeq !== null) {
      payment = state.paymentIndex[t.parentSeq] ?? -1
      // A refund or dispute of no succeeded payment of the site is a finding of its own (orphanAdjustment).
      if (payment < 0 && MOVES_MONEY.has(t.type)) continue
    }
    state.facts.issues.push({
      kind: 'posting',
      object: t.id,
      payment,
      invoice: -1,
      customer: t.customer,
      reported: `the gateway last reported ${t.type} ${t.id} as ${t.status} (${formatMoney(amount)})`,
      expected: {minor: effect, currency: t.currency},
      posted: {minor: t.posted.get(t.currency) ?? 0, currency: t.currency},
      held: null,
      inScope: state.selected(t.provider),
    })
  }
  for (const i of customerInvoices(db, site, disagree)) {
    if (agrees(i.posted, i.currency, i.amount)) continue
    for (const [currency, minor] of i.posted) addBalance(explained, i.customer, currency, minor)
    addBalance(explained, i.customer, i.currency, 0 - i.amount)
    if (state.invoiceIndex[i.row] === -1) handOverPairs(db, state, [state.firstPayment[i.row]!])
    const issue: LedgerIssue = {
      kind: 'posting',
      object: `invoice:${i.id}`,
      payment: -1,
      invoice: state.invoiceIndex[i.row] ?? -1,
      customer: i.customer,
      reported: `the YMS invoice ${i.id} is for ${formatMoney({minor: i.amount, currency: i.currency})}`,
      expected: {minor: i.amount, currency: i.currency},
      posted: {minor: i.posted.get(i.currency) ?? 0, currency: i.currency},
      held: null,
      inScope: true,
    }
    state.facts.issues.push(issue)
  }
  const unexplained = disagree.filter((c) => {
    const delta = new Map(ledger.get(c) ?? [])
    for (const [currency, minor] of expected.get(c) ?? []) delta.set(currency, (delta.get(currency) ?? 0) - minor)
    const said = explained.get(c) ?? new Map<string, number>()
    for (const currency of new Set([...delta.keys(), ...said.keys()]))
      if ((delta.get(currency) ?? 0) !== (said.get(currency) ?? 0)) return true
    return false
  })
  return {ledger, expected, unexplained}
}

function agrees(posted: ReadonlyMap<string, number>, currency: string, expected: number): boolean {
  for (const [c, minor] of posted) if (c !== currency && minor !== 0) return false
  return (posted.get(currency) ?? 0) === expected
}

/** The fact index of a succeeded payment, handing its plain pair over first if it was only tallied. */
export function paymentFact(db: Db, state: FactState, seq: number): number {
  if (state.paymentIndex[seq] === -1) handOverPairs(db, state, [seq])
  return state.paymentIndex[seq] ?? -1
}
