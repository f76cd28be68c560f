import {createHash} from 'node:crypto'

import {isAllowed, type Grant} from '../../core/access.js'
import {postingDifference, targetPositions} from '../../core/ledger.js'
import type {FetchedTxn, NormalizedTxn, Quarantined} from '../../core/transaction.js'
import type {Db} from '../../store/db.js'
import {insertPostings, postedPositions} from '../../store/repos/ledger.js'
import {ownerByRef, type Owner, segmentOf} from '../../store/repos/customers.js'
import {closeQuarantined, hasOpenQuarantine, quarantine, quarantinedCustomerRef} from '../../store/repos/quarantine.js'
import {recordLatency, type RunCounts} from '../../store/repos/sync-state.js'
import {getTxnState, parentOwner, writeTxnVersion} from '../../store/repos/transactions.js'
import {sameTxnState} from '../../store/repos/txn-row.js'
import {appendAudit} from '../audit.js'

/** What one provider's apply needs to know; built once per sync run (grants and ref look-ups cached). */
export interface ApplyScope {
  provider: string
  kind: string
  actor: string
  source: 'pull' | 'webhook' | 'replay'
  grants: readonly Grant[]
  /** Events at or after this time are "new" and get a latency sample; null: none (a first backfill). */
  latencySince: string | null
  customers: Map<string, Owner | null>
}

/** What one page (or replay) did: the run's counters without the page count. */
export type ApplyCounts = Omit<RunCounts, 'pages'>

export const zeroCounts = (): ApplyCounts => ({
  fetched: 0,
  inserted: 0,
  updated: 0,
  unchanged: 0,
  quarantined: 0,
  posted: 0,
})

export function addCounts(a: ApplyCounts, b: ApplyCounts): ApplyCounts {
  return {
    fetched: a.fetched + b.fetched,
    inserted: a.inserted + b.inserted,
    updated: a.updated + b.updated,
    unchanged: a.unchanged + b.unchanged,
    quarantined: a.quarantined + b.quarantined,
    posted: a.posted + b.posted,
  }
}

// Parents before children, so a refund in the same page as its payment finds the payment's customer.
const TYPE_ORDER: Record<string, number> = {payment: 0, refund: 1, dispute: 1, dispute_reversal: 2}

/**
 * What applyItems takes: a normalized transaction with its raw payload already serialized. Serializing happens on
 * the fetching thread, because a string crosses to the writer's thread far more cheaply than the object graph it
 * came from (see page-writer.ts); a replay has the stored text already.
 */
export interface SerializedTxn {
  txn: FetchedTxn['txn']
  rawJson: string
}

export function serializeItems(items: readonly FetchedTxn[]): SerializedTxn[] {
  return items.map(({txn, raw}) => ({txn, rawJson: safeJson(raw)}))
}

/**
 * Applies normalized items and invalid payloads. Must run inside the caller's write transaction: the page, its
 * postings, quarantine, audit and cursor commit together or not at all. Idempotent: re-applying the same state
 * changes nothing, and an older state than the stored one (a late webhook, an overlapping window) is ignored.
 */
export function applyItems(
  db: Db,
  scope: ApplyScope,
  items: readonly SerializedTxn[],
  invalid: readonly Quarantined[],
): ApplyCounts {
  const counts = zeroCounts()
  counts.fetched = items.length + invalid.length
  const ordered = [...items].sort((a, b) => (TYPE_ORDER[a.txn.type] ?? 3) - (TYPE_ORDER[b.txn.type] ?? 3))
  // Only look for an item's open quarantine entry to close when the provider has any (one query per page).
  const page: PageState = {openQuarantine: hasOpenQuarantine(db, scope.provider), now: db.now()}
  for (const item of ordered) applyOne(db, scope, item, counts, page)
  for (const bad of invalid) {
    quarantine(db, {
      provider: scope.provider,
      externalId: bad.externalId,
      reason: bad.reason,
      detail: bad.detail,
      rawJson: safeJson(bad.raw),
      normalizedJson: null,
      source: scope.source,
    })
    counts.quarantined++
  }
  return counts
}

interface PageState {
  openQuarantine: boolean
  /** One time per page: every row the page writes was committed at the same instant. */
  now: string
}

function applyOne(db: Db, scope: ApplyScope, item: SerializedTxn, counts: ApplyCounts, page: PageState): void {
  const {rawJson} = item
  const existing = getTxnState(db, item.txn.id)
  const txn = existing ? keepKnownFee(item.txn, existing.txn) : item.txn
  if (existing && (sameTxnState(existing.txn, txn) || Date.parse(existing.txn.updatedAt) > Date.parse(txn.updatedAt))) {
    counts.unchanged++
    if (scope.source === 'replay' && page.openQuarantine)
      closeQuarantined(db, scope.provider, txn.externalId, 'replayed')
    return
  }
  const owner =
    existing?.customerId && existing.siteId
      ? {customerId: existing.customerId, siteId: existing.siteId, segment: segmentOf(db, existing.customerId)}
      : resolveOwner(db, scope, txn)
  if (!owner) {
    const detail = txn.customerRef
      ? `no customer has ref ${txn.customerRef} for ${scope.provider} or ${scope.kind}`
      : txn.parentExternalId
        ? `parent ${txn.parentExternalId} is not in the ledger (or has no customer)`
        : 'the gateway object names no customer'
    quarantine(db, {
      provider: scope.provider,
      externalId: txn.externalId,
      reason: 'unknown_customer',
      detail,
      rawJson,
      normalizedJson: JSON.stringify(txn),
      source: scope.source,
    })
    page.openQuarantine = true
    counts.quarantined++
    return
  }
  if (!isAllowed(scope.grants, {segment: owner.segment, site: owner.siteId}, 'write')) {
    const detail = `${scope.provider} has no write grant for segment "${owner.segment}" at site ${owner.siteId} (customer ${owner.customerId})`
    quarantine(db, {
      provider: scope.provider,
      externalId: txn.externalId,
      reason: 'access_denied',
      detail,
      rawJson,
      normalizedJson: JSON.stringify(txn),
      source: scope.source,
    })
    page.openQuarantine = true
    appendAudit(db, {
      actor: scope.actor,
      action: 'access.denied',
      provider: scope.provider,
      subject: txn.id,
      outcome: 'denied',
      details: {customer: owner.customerId, segment: owner.segment, site: owner.siteId, type: txn.type},
    })
    counts.quarantined++
    return
  }
  const version = (existing?.version ?? 0) + 1
  const now = page.now
  // Hashed only when a new state is written (most re-read objects are unchanged), on the writer's thread.
  const rawSha256 = createHash('sha256').update(rawJson).digest('hex')
  const seq = writeTxnVersion(
    db,
    {txn, rawJson, rawSha256, version, customerId: owner.customerId, siteId: owner.siteId, source: scope.source, now},
    existing?.seq ?? null,
  )
  counts[existing ? 'updated' : 'inserted']++
  counts.posted += post(db, txn, seq, owner, version, existing !== null, now)
  if (page.openQuarantine)
    closeQuarantined(db, scope.provider, txn.externalId, scope.source === 'replay' ? 'replayed' : 'resolved')
  if (
    scope.source === 'webhook' ||
    (scope.latencySince !== null && Date.parse(txn.updatedAt) >= Date.parse(scope.latencySince))
  ) {
    recordLatency(db, {
      provider: scope.provider,
      txnId: txn.id,
      source: scope.source,
      eventAt: txn.updatedAt,
      committedAt: now,
    })
  }
}

/**
 * Some messages do not carry the fee (a Stripe webhook has only the balance transaction's id). A null there means
 * "not reported", not "no fee": keep the last known one rather than post a fee reversal.
 */
function keepKnownFee(txn: NormalizedTxn, stored: NormalizedTxn): NormalizedTxn {
  // A payment that failed or was canceled was charged nothing: its null fee is the truth, not an omission.
  if (txn.fee !== null || txn.status === 'failed' || txn.status === 'canceled') return txn
  if (stored.fee === null || stored.amount.currency !== txn.amount.currency) return txn
  return {...txn, fee: stored.fee, net: stored.net}
}

/** Posts the difference between the new state's effect and what earlier versions posted. Returns lines written. */
function post(
  db: Db,
  txn: NormalizedTxn,
  seq: number,
  owner: Owner,
  version: number,
  seenBefore: boolean,
  now: string,
): number {
  const target = targetPositions(txn, owner.customerId)
  const key = {seq, id: txn.id}
  // A transaction never seen before has posted nothing yet: no need to ask the ledger.
  const posted = seenBefore ? postedPositions(db, key) : {lines: [], lastVersion: 0}
  const diff = postingDifference(target, posted.lines)
  if (diff.length === 0) return 0
  return insertPostings(
    db,
    key,
    Math.max(version, posted.lastVersion + 1),
    diff,
    {provider: txn.provider, site: owner.siteId, customer: owner.customerId},
    now,
  )
}

function resolveOwner(db: Db, scope: ApplyScope, txn: NormalizedTxn): Owner | null {
  if (txn.customerRef) {
    const key = txn.customerRef
    if (!scope.customers.has(key)) scope.customers.set(key, ownerByRef(db, key, scope.provider, scope.kind))
    const owner = scope.customers.get(key) ?? null
    if (owner) return owner
  }
  if (txn.parentExternalId) {
    const parent = parentOwner(db, scope.provider, txn.parentExternalId)
    if (parent) return {...parent, segment: segmentOf(db, parent.customerId)}
    // A parent held in quarantine (e.g. access denied) still names its customer: the child then gets the same
    // verdict as its parent instead of a misleading "unknown customer".
    const parentRef = quarantinedCustomerRef(db, scope.provider, txn.parentExternalId)
    if (parentRef) return resolveOwner(db, scope, {...txn, customerRef: parentRef, parentExternalId: null})
  }
  return null
}

function safeJson(value: unknown): string {
  try {
    return JSON.stringify(value ?? null) ?? 'null'
  } catch {
    return JSON.stringify({unserializable: String(value)})
  }
}
