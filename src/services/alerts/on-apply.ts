import type {NormalizedTxn} from '../../core/transaction.js'
import {dual} from '../../store/ops/dual.js'
import type {Ops} from '../../store/ops/op.js'
import {enabledTargets, takers} from '../../store/repos/alerts.js'
import {customerAccountMoved} from '../../store/repos/alerts-balance.js'
import type {Owner} from '../../store/repos/customers.js'
import type {ApplyEvent} from '../sync/apply-event.js'
import type {ApplyScope} from '../sync/scope.js'
import {customerBalance, moneyView} from './balance.js'
import {raiseAlertTo} from './raise.js'

/**
 * The alerts an applied transaction raises, in its write transaction (on whichever thread applies the page):
 * - failed_transaction: it entered `failed` (once per transaction);
 * - access_denied: it waits in quarantine because its provider may not write its customer (once per transaction);
 * - balance_changed: its postings moved its customer's account; carries the balance after it.
 * Nothing is computed for an event no target takes. The targets are read once per applied page, not per transaction
 * or event type: the apply never writes them (a delivery's outcome disables a target, outside any apply).
 */
export const alertOnApply = dual(function* alertOnApply(scope: ApplyScope, event: ApplyEvent): Ops<void> {
  if (event.kind === 'held') {
    if (event.reason !== 'access_denied') return
    const targets = takers(yield* event.once(enabledTargets), 'access_denied')
    if (targets.length > 0) yield* accessDenied(targets, event)
    return
  }
  const {txn, owner} = event
  if (txn.status === 'failed' && event.previous?.status !== 'failed') {
    const targets = takers(yield* event.once(enabledTargets), 'failed_transaction')
    if (targets.length > 0) yield* failedTransaction(targets, event)
  }
  if (owner !== null && event.posted > 0) {
    const targets = takers(yield* event.once(enabledTargets), 'balance_changed')
    if (targets.length > 0 && (yield* customerAccountMoved.ops(txn.id, owner.customerId, event.now)))
      yield* balanceChanged(targets, txn, owner, event.now)
  }
})

function txnView(txn: NormalizedTxn) {
  return {
    id: txn.id,
    externalId: txn.externalId,
    type: txn.type,
    status: txn.status,
    amount: moneyView(txn.amount),
    occurredAt: txn.occurredAt,
    updatedAt: txn.updatedAt,
  }
}

function* failedTransaction(targets: readonly string[], event: Extract<ApplyEvent, {kind: 'written'}>): Ops<void> {
  const {txn, owner} = event
  yield* raiseAlertTo.ops(targets, {
    event: 'failed_transaction',
    subject: txn.id,
    provider: txn.provider,
    customer: owner?.customerId ?? null,
    site: owner?.siteId ?? null,
    data: {transaction: txnView(txn), failure: txn.failure},
    dedupKey: `failed_transaction:${txn.id}`,
    at: event.now,
  })
}

function* balanceChanged(targets: readonly string[], txn: NormalizedTxn, owner: Owner, at: string): Ops<void> {
  const balance = yield* customerBalance.ops(owner.customerId, owner.siteId, at)
  yield* raiseAlertTo.ops(targets, {
    event: 'balance_changed',
    subject: owner.customerId,
    provider: txn.provider,
    customer: owner.customerId,
    site: owner.siteId,
    data: {...balance, transaction: txnView(txn)},
    at,
  })
}

/** The customer, segment and site the provider may not write, as the apply decided it. */
function* accessDenied(targets: readonly string[], event: Extract<ApplyEvent, {kind: 'held'}>): Ops<void> {
  const {txn, denied} = event
  yield* raiseAlertTo.ops(targets, {
    event: 'access_denied',
    subject: txn.id,
    provider: txn.provider,
    customer: denied?.customerId ?? null,
    site: denied?.siteId ?? null,
    data: {transaction: txnView(txn), segment: denied?.segment ?? null, detail: event.detail},
    dedupKey: `access_denied:${txn.id}`,
    at: event.now,
  })
}
