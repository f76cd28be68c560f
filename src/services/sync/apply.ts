import {createHash} from 'node:crypto'

import {
  type FetchedTxn,
  type NormalizedTxn,
  NormalizedTxnSchema,
  type Quarantined,
  type Skipped,
} from '../../core/transaction.js'
import {dual} from '../../store/ops/dual.js'
import {engine, now as storeNow, type Ops} from '../../store/ops/op.js'
import {lockAuditHead} from '../../store/repos/audit.js'
import {type Owner, ownersByRefs, segmentsOf} from '../../store/repos/customers.js'
import {
  awaitingChildren,
  closeQuarantined,
  openQuarantineOf,
  openHeldState,
  quarantine,
} from '../../store/repos/quarantine.js'
import {keepSkipped} from '../../store/repos/skipped.js'
import {recordLatency, type RunCounts} from '../../store/repos/sync-state.js'
import {
  getTxnState,
  reserveSeqs,
  type StoredTxnState,
  txnStatesIn,
  writeTxnVersion,
} from '../../store/repos/transactions.js'
import {sameTxnState} from '../../store/repos/txn-row.js'
import {appendAudit} from '../audit.js'
import {oncePerApply, type OncePerApply} from './once-per-apply.js'
import {postTxn} from './post.js'
import {react} from './reactions.js'
import type {ApplyScope} from './scope.js'
import {verdictFor, type Verdict} from './verdict.js'

/** What one page (or replay) did: the run's counters without the page count. */
export type ApplyCounts = Omit<RunCounts, 'pages'>

export const zeroCounts = (): ApplyCounts => ({
  fetched: 0,
  inserted: 0,
  updated: 0,
  unchanged: 0,
  quarantined: 0,
  skipped: 0,
  posted: 0,
})

export function addCounts(a: ApplyCounts, b: ApplyCounts): ApplyCounts {
  return {
    fetched: a.fetched + b.fetched,
    inserted: a.inserted + b.inserted,
    updated: a.updated + b.updated,
    unchanged: a.unchanged + b.unchanged,
    quarantined: a.quarantined + b.quarantined,
    skipped: a.skipped + b.skipped,
    posted: a.posted + b.posted,
  }
}

// Parents before children, so a refund in the same page as its payment finds the payment in the ledger.
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

/** A skipped object (Page.skipped) with its raw payload serialized, for the same reason as SerializedTxn. */
export type SerializedSkipped = Omit<Skipped, 'raw'> & {rawJson: string}

export function serializeSkipped(items: readonly Skipped[] = []): SerializedSkipped[] {
  return items.map(({raw, ...s}) => ({...s, rawJson: safeJson(raw)}))
}

/**
 * Applies normalized items, invalid payloads and skipped objects. Must run inside the caller's write transaction:
 * the page, its postings, quarantine, audit and cursor commit together or not at all. Idempotent: re-applying the
 * same state changes nothing, and an older state than the stored one (a late webhook, an overlapping window) is
 * ignored. A payment that applies brings the refunds and disputes that waited for it (awaiting_parent) along.
 */
export const applyItems = dual(function* applyItems(
  scope: ApplyScope,
  items: readonly SerializedTxn[],
  invalid: readonly Quarantined[],
  skipped: readonly SerializedSkipped[] = [],
): Ops<ApplyCounts> {
  return (yield* applyPages.ops(scope, [{items, invalid, skipped}]))[0]!
})

/** What one page of a gateway gave: applyPages takes several, each counted apart. */
export interface PageItems {
  items: readonly SerializedTxn[]
  invalid: readonly Quarantined[]
  skipped?: readonly SerializedSkipped[]
}

/**
 * applyItems for several pages in one transaction, as if their items had come in one page (parents first across
 * them, one read ahead for all), each page's counts kept apart: an item counts where it came from, and what it
 * brings along (a held state, a waiting child) counts with it. The page writer on PostgreSQL commits the pages that
 * queued up behind a commit together (page-writer.ts).
 */
export const applyPages = dual(function* applyPages(
  scope: ApplyScope,
  pages: readonly PageItems[],
): Ops<ApplyCounts[]> {
  const all = pages.map((p) => ({
    ...zeroCounts(),
    fetched: p.items.length + p.invalid.length + (p.skipped?.length ?? 0),
  }))
  // One page (SQLite's writer, a webhook delivery, a replay): no look-up per item.
  const countsOf = new Map<SerializedTxn, ApplyCounts>()
  if (pages.length > 1) pages.forEach((p, i) => p.items.forEach((item) => countsOf.set(item, all[i]!)))
  const counted = (item: SerializedTxn) => countsOf.get(item) ?? all[0]!
  const items = pages.length === 1 ? pages[0]!.items : pages.flatMap((p) => p.items)
  // PostgreSQL: the audit chain's lock first, before any row this apply locks (balances, retry chains, decline codes).
  // Every writer that appends to the chain holds that lock to its commit; one taking it after its postings could hold
  // a balance row another writer, holding the lock, waits for: a deadlock. Taken first, writers that post queue on
  // it, as SQLite's one writer does (docs/postgres.md, "Writers that post take the audit chain's lock first").
  yield* lockAuditHead.ops()
  const ordered = [...items].sort((a, b) => (TYPE_ORDER[a.txn.type] ?? 3) - (TYPE_ORDER[b.txn.type] ?? 3))
  // Only look for quarantine items to close, or children waiting for a payment, when the provider has any (one
  // query for both per page).
  const open = yield* openQuarantineOf.ops(scope.provider)
  const page: PageState = {
    openQuarantine: open.anyOpen,
    awaitingChildren: open.awaiting,
    now: yield* storeNow(),
    once: oncePerApply(),
    batch: new Map(items.map((i) => [i.txn.id, Date.parse(i.txn.updatedAt)])),
    txns: items.map((i) => i.txn),
    known: null,
    segments: null,
    seqs: [],
  }
  if ((yield* engine()) === 'postgres') yield* readAhead(scope, ordered, page)
  // Invalid objects first: a refund in the same page as its unreadable payment then says where the payment is.
  for (const [i, {invalid}] of pages.entries()) {
    for (const bad of invalid) {
      yield* quarantine.ops({
        provider: scope.provider,
        externalId: bad.externalId,
        reason: bad.reason,
        detail: bad.detail,
        rawJson: safeJson(bad.raw),
        normalizedJson: null,
        source: scope.source,
      })
      page.openQuarantine = true
      all[i]!.quarantined++
    }
  }
  for (const item of ordered) yield* applyOne(scope, item, counted(item), page)
  const skipped = pages.flatMap((p, i) => (p.skipped ?? []).map((s) => ({s, i})))
  if (skipped.length > 0) {
    yield* keepSkipped.ops(
      skipped.map(({s}) => ({...s, provider: scope.provider, source: scope.source})),
      page.now,
    )
    for (const {i} of skipped) all[i]!.skipped++
  }
  return all
})

interface PageState {
  openQuarantine: boolean
  /** Whether any refund or dispute of this provider waits in quarantine for its payment. */
  awaitingChildren: boolean
  /** One time per page: every row the page writes was committed at the same instant. */
  now: string
  once: OncePerApply
  /** The page's own items (id -> updatedAt ms): a waiting child the page itself carries is applied in its turn. */
  batch: ReadonlyMap<string, number>
  /** The page's transactions as given, for reactions that read for them all at once (ApplyEvent `batch`). */
  txns: readonly NormalizedTxn[]
  /**
   * PostgreSQL: the stored state of the page's transactions and of their parents, read in one statement before the
   * first item (null: not in the ledger). An id leaves it once the page writes it, and is asked for again if needed.
   */
  known: Map<string, StoredTxnState | null> | null
  /** PostgreSQL: the segments of the customers `known` names (an apply never writes a customer). */
  segments: Map<string, string> | null
  /** PostgreSQL: seqs reserved for the page's new transactions, taken in order. */
  seqs: number[]
}

/**
 * On PostgreSQL, what every item would ask the server one by one, asked for the page at once: each statement is a
 * round trip there, and a page's new rows then go in a few multi-row statements (op.ts `later`, docs/postgres.md
 * "A page in a few statements"). SQLite answers a point read in microseconds, so it keeps asking per item.
 */
function* readAhead(scope: ApplyScope, items: readonly SerializedTxn[], page: PageState): Ops<void> {
  const ids = new Set<string>()
  for (const {txn} of items) {
    ids.add(txn.id)
    if (txn.parentExternalId) ids.add(`${scope.provider}:${txn.parentExternalId}`)
  }
  page.known = yield* txnStatesIn.ops([...ids])
  const customers = new Set<string>()
  for (const state of page.known.values()) if (state?.customerId) customers.add(state.customerId)
  page.segments = yield* segmentsOf.ops([...customers])
  const refs = new Set<string>()
  for (const {txn} of items) if (txn.customerRef && !scope.customers.has(txn.customerRef)) refs.add(txn.customerRef)
  if (refs.size > 0)
    for (const [ref, owner] of yield* ownersByRefs.ops([...refs], scope.provider, scope.kind))
      scope.customers.set(ref, owner)
  let fresh = 0
  for (const {txn} of items) if (page.known.get(txn.id) === null) fresh++
  page.seqs = yield* reserveSeqs.ops(fresh)
}

/** The stored state, from what the page read ahead when it holds the id. */
function* storedState(id: string, page: PageState): Ops<StoredTxnState | null> {
  const known = page.known?.get(id)
  return known !== undefined ? known : yield* getTxnState.ops(id)
}

function* applyOne(scope: ApplyScope, item: SerializedTxn, counts: ApplyCounts, page: PageState): Ops<void> {
  const {rawJson} = item
  const existing = yield* storedState(item.txn.id, page)
  const txn = existing ? keepKnownFee(item.txn, existing.txn) : item.txn
  if (existing && (sameTxnState(existing.txn, txn) || Date.parse(existing.txn.updatedAt) > Date.parse(txn.updatedAt))) {
    counts.unchanged++
    if (scope.source === 'replay' && page.openQuarantine)
      yield* closeQuarantined.ops(scope.provider, txn.externalId, 'replayed')
    return
  }
  const verdict = yield* verdictFor.ops(scope, txn, existing, page)
  if (verdict.kind === 'held') {
    yield* hold(scope, {txn, rawJson}, verdict)
    yield* react.ops(scope, {
      kind: 'held',
      txn,
      reason: verdict.reason,
      detail: verdict.detail,
      denied: verdict.denied,
      now: page.now,
      once: page.once,
    })
    page.openQuarantine = true
    if (verdict.reason === 'awaiting_parent') page.awaitingChildren = true
    counts.quarantined++
    return
  }
  const owner = verdict.kind === 'customer' ? verdict.owner : null
  const held = page.openQuarantine ? yield* heldState(scope.provider, txn) : null
  yield* write(scope, {txn, rawJson, existing, owner}, counts, page)
  // What the object's quarantined state said applies now too (the newer state wins, as always): a report row held
  // for its customer carries the fees that the webhook which brought the customer does not.
  if (held) yield* applyOne(scope, held, counts, page)
  if (page.awaitingChildren) yield* applyWaitingChildren(scope, txn.externalId, counts, page)
}

/** The state the object's open quarantine item holds, unless it is the one being applied (a replay). */
function* heldState(provider: string, txn: NormalizedTxn): Ops<SerializedTxn | null> {
  const item = yield* openHeldState.ops(provider, txn.externalId)
  if (!item) return null
  const held = NormalizedTxnSchema.parse(JSON.parse(item.normalizedJson))
  return sameTxnState(held, txn) ? null : {txn: held, rawJson: item.rawJson}
}

function* write(
  scope: ApplyScope,
  w: {txn: NormalizedTxn; rawJson: string; existing: StoredTxnState | null; owner: Owner | null},
  counts: ApplyCounts,
  page: PageState,
): Ops<void> {
  const {txn, rawJson, existing, owner} = w
  const version = (existing?.version ?? 0) + 1
  const now = page.now
  // Hashed only when a new state is written (most re-read objects are unchanged), on the writer's thread.
  const rawSha256 = createHash('sha256').update(rawJson).digest('hex')
  // Written now: what the page read ahead of it is no longer the ledger's.
  page.known?.delete(txn.id)
  const seq = yield* writeTxnVersion.ops(
    {
      txn,
      rawJson,
      rawSha256,
      version,
      customerId: owner?.customerId ?? null,
      siteId: owner?.siteId ?? null,
      source: scope.source,
      now,
    },
    existing?.seq ?? null,
    existing ? undefined : page.seqs.shift(),
  )
  counts[existing ? 'updated' : 'inserted']++
  const posted = yield* postTxn.ops({txn, seq, owner, version, seenBefore: existing !== null, now})
  counts.posted += posted
  yield* react.ops(scope, {
    kind: 'written',
    txn,
    previous: existing?.txn ?? null,
    owner,
    posted,
    now,
    once: page.once,
    batch: page.txns,
  })
  if (page.openQuarantine)
    yield* closeQuarantined.ops(scope.provider, txn.externalId, scope.source === 'replay' ? 'replayed' : 'resolved')
  if (
    scope.source === 'webhook' ||
    (scope.latencySince !== null && Date.parse(txn.updatedAt) >= Date.parse(scope.latencySince))
  ) {
    yield* recordLatency.ops({
      provider: scope.provider,
      txnId: txn.id,
      source: scope.source,
      eventAt: txn.updatedAt,
      committedAt: now,
    })
  }
}

/** Quarantines a transaction that cannot apply yet, keeping its normalized form for the replay. */
function* hold(scope: ApplyScope, item: SerializedTxn, verdict: Extract<Verdict, {kind: 'held'}>): Ops<void> {
  const {txn, rawJson} = item
  yield* quarantine.ops({
    provider: scope.provider,
    externalId: txn.externalId,
    reason: verdict.reason,
    detail: verdict.detail,
    rawJson,
    normalizedJson: JSON.stringify(txn),
    source: scope.source,
  })
  if (verdict.denied) {
    yield* appendAudit.ops({
      actor: scope.actor,
      action: 'access.denied',
      provider: scope.provider,
      subject: txn.id,
      outcome: 'denied',
      details: {
        customer: verdict.denied.customerId,
        segment: verdict.denied.segment,
        site: verdict.denied.siteId,
        type: txn.type,
      },
    })
  }
}

/**
 * The refunds and disputes that waited in quarantine for this payment apply now, in the same transaction, in their
 * newest known state. One the page itself carries in a state at least as new is left to its own turn.
 */
function* applyWaitingChildren(
  scope: ApplyScope,
  parentExternalId: string,
  counts: ApplyCounts,
  page: PageState,
): Ops<void> {
  for (const child of yield* awaitingChildren.ops(scope.provider, parentExternalId)) {
    const txn = NormalizedTxnSchema.parse(JSON.parse(child.normalizedJson))
    const inPage = page.batch.get(txn.id)
    if (inPage !== undefined && inPage >= Date.parse(txn.updatedAt)) continue
    yield* applyOne(scope, {txn, rawJson: child.rawJson}, counts, page)
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

function safeJson(value: unknown): string {
  try {
    return JSON.stringify(value ?? null) ?? 'null'
  } catch {
    return JSON.stringify({unserializable: String(value)})
  }
}
