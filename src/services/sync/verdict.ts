import {isAllowed, type Grant} from '../../core/access.js'
import {isChildType, isMerchantBooking, type NormalizedTxn, type QuarantineReason} from '../../core/transaction.js'
import {dual} from '../../store/ops/dual.js'
import type {Ops} from '../../store/ops/op.js'
import {ownerByRef, type Owner, segmentOf} from '../../store/repos/customers.js'
import {openQuarantineReason} from '../../store/repos/quarantine.js'
import type {StoredTxnState} from '../../store/repos/transactions.js'
import {storedParent} from '../../store/repos/transactions.js'
import type {OncePerApply} from './once-per-apply.js'

/** What the apply path needs of its scope to decide whose a transaction is. */
export interface VerdictScope {
  provider: string
  kind: string
  grants: readonly Grant[]
  /** Customer refs already looked up in this run (null: no such customer). */
  customers: Map<string, Owner | null>
}

/**
 * Whose books a transaction goes to, or why it waits in quarantine:
 * - a merchant-level booking (fee, payout, adjustment) is the merchant's: no customer, no site, no grant to check;
 * - a refund or dispute belongs to its payment's customer and is applied only once the payment is in the ledger
 *   (`awaiting_parent` until then, whatever it says about its customer itself: crediting a refund whose payment
 *   was never debited would leave the customer's balance wrong);
 * - a payment belongs to the customer its gateway ref names, if the provider may write that customer.
 */
export type Verdict =
  | {kind: 'merchant'}
  | {kind: 'customer'; owner: Owner}
  | {kind: 'held'; reason: QuarantineReason; detail: string; denied?: Owner}

/**
 * What the apply has already read in its transaction: segments once per apply (an apply never writes a customer),
 * and on PostgreSQL the states the page read ahead (apply.ts readAhead), parents included.
 */
export interface VerdictPage {
  once: OncePerApply
  known: ReadonlyMap<string, StoredTxnState | null> | null
  /** PostgreSQL: the segments of the customers those states name, read with them. */
  segments: ReadonlyMap<string, string> | null
}

export const verdictFor = dual(function* verdictFor(
  scope: VerdictScope,
  txn: NormalizedTxn,
  existing: StoredTxnState | null,
  page?: VerdictPage,
): Ops<Verdict> {
  if (isMerchantBooking(txn.type)) return {kind: 'merchant'}
  const found: Found =
    existing?.customerId && existing.siteId
      ? {
          owner: {
            customerId: existing.customerId,
            siteId: existing.siteId,
            segment: yield* segment(existing.customerId, page),
          },
        }
      : yield* findOwner(scope, txn, page)
  if ('held' in found) return found.held
  const {owner} = found
  if (!isAllowed(scope.grants, {segment: owner.segment, site: owner.siteId}, 'write')) {
    const detail = `${scope.provider} has no write grant for segment "${owner.segment}" at site ${owner.siteId} (customer ${owner.customerId})`
    return {kind: 'held', reason: 'access_denied', detail, denied: owner}
  }
  return {kind: 'customer', owner}
})

type Found = {owner: Owner} | {held: Extract<Verdict, {kind: 'held'}>}

function* segment(customerId: string, page: VerdictPage | undefined): Ops<string> {
  const known = page?.segments?.get(customerId)
  if (known !== undefined) return known
  return page ? yield* page.once(segmentOf, customerId) : yield* segmentOf.ops(customerId)
}

function* findOwner(scope: VerdictScope, txn: NormalizedTxn, page: VerdictPage | undefined): Ops<Found> {
  if (isChildType(txn.type) && txn.parentExternalId) return yield* parentOwner(scope, txn.parentExternalId, page)
  if (txn.customerRef) {
    const key = txn.customerRef
    if (!scope.customers.has(key)) scope.customers.set(key, yield* ownerByRef.ops(key, scope.provider, scope.kind))
    const owner = scope.customers.get(key) ?? null
    if (owner) return {owner}
    return held('unknown_customer', `no customer has ref ${txn.customerRef} for ${scope.provider} or ${scope.kind}`)
  }
  return held('unknown_customer', 'the gateway object names no customer')
}

function* parentOwner(scope: VerdictScope, parentExternalId: string, page: VerdictPage | undefined): Ops<Found> {
  const known = page?.known?.get(`${scope.provider}:${parentExternalId}`)
  const parent = known !== undefined ? known : yield* storedParent.ops(scope.provider, parentExternalId)
  if (!parent) {
    const why = yield* openQuarantineReason.ops(scope.provider, parentExternalId)
    return held(
      'awaiting_parent',
      why
        ? `payment ${parentExternalId} is held in quarantine (${why}); this applies together with it`
        : `payment ${parentExternalId} is not in the ledger yet; this applies together with it`,
    )
  }
  if (!parent.customerId || !parent.siteId)
    return held('unknown_customer', `${parentExternalId}, which this concerns, belongs to no customer`)
  return {
    owner: {customerId: parent.customerId, siteId: parent.siteId, segment: yield* segment(parent.customerId, page)},
  }
}

function held(reason: QuarantineReason, detail: string): Found {
  return {held: {kind: 'held', reason, detail}}
}
