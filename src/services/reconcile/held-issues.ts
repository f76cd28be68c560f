import {customerEffect} from '../../core/reconcile/effect.js'
import {formatMoney} from '../../core/money.js'
import type {NormalizedTxn} from '../../core/transaction.js'
import type {Db} from '../../store/db.js'
import {ownerByRef} from '../../store/repos/customers.js'
import {handOverPairs, type FactState} from '../../store/repos/reconcile-facts.js'
import {heldTransactions, invoiceRow, txnOwner} from '../../store/repos/reconcile-ledger.js'
import {paymentFact} from './ledger-check.js'

/**
 * Gateway objects of the site that move money but sit in quarantine (access denied, a parent not yet seen, ...): the
 * gateway reported them, the ledger lacks them. Each becomes an issue of the payment it belongs to (a refund or
 * dispute: its parent), of the invoice it names (a payment), or of nothing (a report row with no transaction).
 */
export function heldIssues(db: Db, state: FactState): void {
  const site = state.scope.site
  for (const item of heldTransactions(db)) {
    const txn = JSON.parse(item.normalizedJson) as NormalizedTxn
    if (!['payment', 'refund', 'dispute'].includes(txn.type) || customerEffect(txn) === 0) continue
    let payment = -1
    let invoice = -1
    let customer: string | null = null
    if (txn.parentExternalId) {
      const parent = txnOwner(db, `${item.provider}:${txn.parentExternalId}`)
      if (parent?.site !== site) continue
      customer = parent.customer
      payment = paymentFact(db, state, parent.seq)
    } else if (txn.customerRef) {
      const owner = ownerByRef(db, txn.customerRef, item.provider, txn.kind)
      if (owner?.siteId !== site) continue
      customer = owner.customerId
      const named = txn.invoiceRef ? invoiceRow(db, txn.invoiceRef) : null
      if (named?.site === site) {
        if (state.invoiceIndex[named.row] === -1) handOverPairs(db, state, [state.firstPayment[named.row]!])
        invoice = state.invoiceIndex[named.row] ?? -1
      }
    } else continue
    state.facts.issues.push({
      kind: 'quarantined',
      object: `${item.provider}:${item.externalId}`,
      payment,
      invoice,
      customer,
      reported: `${txn.type} ${item.provider}:${item.externalId} (${txn.status}, ${formatMoney(txn.amount)})`,
      expected: null,
      posted: null,
      held: `${item.reason}: ${item.detail}`,
      inScope: state.selected(item.provider),
    })
  }
}
