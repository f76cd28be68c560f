import {customerEffect} from '../../core/reconcile/effect.js'
import {formatMoney} from '../../core/money.js'
import type {NormalizedTxn} from '../../core/transaction.js'
import {dual} from '../../store/ops/dual.js'
import type {Ops} from '../../store/ops/op.js'
import {ownerByRef} from '../../store/repos/customers.js'
import {handOverPairs, type FactState} from '../../store/repos/reconcile-facts.js'
import {heldTransactions, invoiceRow, txnOwners} from '../../store/repos/reconcile-ledger.js'

/**
 * Gateway objects of the site that move money but sit in quarantine (access denied, a parent not yet seen, ...): the
 * gateway reported them, the ledger lacks them. Each becomes an issue of the payment it belongs to (a refund or
 * dispute: its parent), of the invoice it names (a payment), or of nothing (a report row with no transaction).
 */
export const heldIssues = dual(function* heldIssues(state: FactState): Ops<void> {
  const site = state.scope.site
  const held = (yield* heldTransactions.ops())
    .map((item) => ({item, txn: JSON.parse(item.normalizedJson) as NormalizedTxn}))
    .filter(({txn}) => ['payment', 'refund', 'dispute'].includes(txn.type) && customerEffect(txn) !== 0)
  const parentId = ({item, txn}: (typeof held)[number]) => `${item.provider}:${txn.parentExternalId}`
  const parents = yield* txnOwners.ops(held.filter(({txn}) => txn.parentExternalId).map(parentId))
  // Payments of the site that were only tallied are handed over at once, not one query per item.
  yield* handOverPairs.ops(
    state,
    [...parents.values()].filter((p) => p.site === site).map((p) => p.seq),
  )
  for (const entry of held) {
    const {item, txn} = entry
    let payment = -1
    let invoice = -1
    let customer: string | null = null
    if (txn.parentExternalId) {
      const parent = parents.get(parentId(entry))
      if (parent?.site !== site) continue
      customer = parent.customer
      payment = state.paymentIndex[parent.seq] ?? -1
    } else if (txn.customerRef) {
      const owner = yield* ownerByRef.ops(txn.customerRef, item.provider, txn.kind)
      if (owner?.siteId !== site) continue
      customer = owner.customerId
      const named = txn.invoiceRef ? yield* invoiceRow.ops(txn.invoiceRef) : null
      if (named?.site === site) {
        if (state.invoiceIndex[named.row] === -1) yield* handOverPairs.ops(state, [state.firstPayment[named.row]!])
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
})
