import type {GatewayCall} from '../../core/gateway-call.js'
import {dual} from '../../store/ops/dual.js'
import {type Ops, write} from '../../store/ops/op.js'
import {ownersByRefs} from '../../store/repos/customers.js'
import {listGrants} from '../../store/repos/grants.js'
import {recordCalls} from '../../store/repos/sync-state.js'
import {isTransactionConflict} from '../../store/pg/conflicts.js'
import {lockWebhookCommits} from '../../store/repos/webhook-events.js'
import {appendAudit} from '../audit.js'
import {addCounts, zeroCounts} from '../sync/apply.js'
import type {ApplyScope} from '../sync/scope.js'
import {applyDelivery, type DeliveryOutcome, type PreparedDelivery} from './apply-delivery.js'

/** A delivery's fate in its group: committed with an outcome, or rolled back with the error (answered 500). */
export type Settled = {ok: true; outcome: DeliveryOutcome} | {ok: false; error: {message: string}}

/**
 * One group in ONE immediate transaction, then one audit row per provider and the gateway calls made since the last
 * group. A delivery that fails is rolled back alone: the group is first applied under one savepoint, and only when
 * a delivery throws is that rolled back and the group applied again with a savepoint per delivery. Almost every
 * group applies whole, and a savepoint per delivery was two more statements and a wrapper per event on the writer
 * thread (measured). When the transaction itself fails (the disk, a lock held too long), every delivery of the group
 * fails with it.
 *
 * `commitGroup(db, …)` is the SQLite writer thread's, synchronous, the transaction its own; `commitGroup.ops(…)` the
 * same body for a handle's write (PostgreSQL), where the group is a savepoint of that transaction and a COMMIT that
 * fails is the caller's to answer (committer.ts).
 */
export const commitGroup = dual(function* commitGroup(
  group: readonly PreparedDelivery[],
  opts: {actor: string; calls?: readonly GatewayCall[]; now?: () => number},
): Ops<Settled[]> {
  try {
    return yield* write(groupBody(group, opts))
  } catch (error) {
    // Not any delivery's fault: the handle's write runs the whole group again (PostgreSQL; committer.ts).
    if (isTransactionConflict(error)) throw error
    return failedAll(group, error)
  }
})

export function failedAll(group: readonly unknown[], error: unknown): Settled[] {
  return group.map(() => ({ok: false, error: {message: (error as Error).message}}))
}

function* groupBody(
  group: readonly PreparedDelivery[],
  opts: {actor: string; calls?: readonly GatewayCall[]; now?: () => number},
): Ops<Settled[]> {
  const now = opts.now ?? Date.now
  // Before the first read: what another host's group committed meanwhile is found, not applied again.
  yield* lockWebhookCommits.ops()
  const scopes = new Map<string, ApplyScope>()
  const apply = function* (delivery: PreparedDelivery): Ops<DeliveryOutcome> {
    return yield* applyDelivery.ops(yield* scopeFor(scopes, delivery, opts.actor), delivery, now())
  }
  for (const [provider, refs] of customerRefs(group)) {
    const first = group.find((d) => d.provider === provider)!
    const scope = yield* scopeFor(scopes, first, opts.actor)
    scope.customers = yield* ownersByRefs.ops(refs, provider, first.kind)
  }
  let settled: Settled[]
  try {
    settled = yield* write(
      (function* () {
        const out: Settled[] = []
        for (const delivery of group) out.push({ok: true, outcome: yield* apply(delivery)})
        return out
      })(),
    )
  } catch (error) {
    // A deadlock is the transaction's, not a delivery's: applying them one by one would only meet it again.
    if (isTransactionConflict(error)) throw error
    settled = []
    for (const delivery of group) {
      try {
        settled.push({ok: true, outcome: yield* write(apply(delivery))})
      } catch (error) {
        if (isTransactionConflict(error)) throw error
        settled.push({ok: false, error: {message: (error as Error).message}})
      }
    }
  }
  yield* auditGroup(group, settled, opts.actor)
  if (opts.calls && opts.calls.length > 0) yield* recordCalls.ops([...opts.calls])
  return settled
}

/**
 * Built per group, not kept: grants and customers imported while the server runs apply to the next delivery (a
 * cached "unknown customer" would quarantine every later payment of that customer until a replay).
 */
function* scopeFor(scopes: Map<string, ApplyScope>, d: PreparedDelivery, actor: string): Ops<ApplyScope> {
  let scope = scopes.get(d.provider)
  if (!scope) {
    scope = {
      provider: d.provider,
      kind: d.kind,
      actor,
      source: 'webhook',
      grants: yield* listGrants.ops(d.provider),
      latencySince: null,
      customers: new Map(),
    }
    scopes.set(d.provider, scope)
  }
  return scope
}

/**
 * The customers a group's payments name, per provider, looked up in one statement rather than one per payment (a
 * tenth of the writer's statements); what a delivery of the group misses is still looked up alone.
 */
function customerRefs(group: readonly PreparedDelivery[]): Map<string, string[]> {
  const refs = new Map<string, Set<string>>()
  for (const d of group)
    for (const item of d.items)
      if (item.txn.customerRef) {
        const set = refs.get(d.provider) ?? new Set()
        refs.set(d.provider, set.add(item.txn.customerRef))
      }
  return new Map([...refs].map(([provider, set]) => [provider, [...set]]))
}

function* auditGroup(group: readonly PreparedDelivery[], settled: readonly Settled[], actor: string): Ops<void> {
  const byProvider = new Map<string, {ids: number[]; duplicates: number; counts: ReturnType<typeof zeroCounts>}>()
  for (const [i, s] of settled.entries()) {
    if (!s.ok) continue
    const provider = group[i]!.provider
    const entry = byProvider.get(provider) ?? {ids: [], duplicates: 0, counts: zeroCounts()}
    byProvider.set(provider, entry)
    if (s.outcome.status === 'duplicate') entry.duplicates++
    else {
      entry.ids.push(s.outcome.id)
      entry.counts = addCounts(entry.counts, s.outcome.counts)
    }
  }
  for (const [provider, e] of byProvider) {
    yield* appendAudit.ops({
      actor,
      action: 'webhook.received',
      provider,
      subject: `${e.ids.length + e.duplicates} deliveries`,
      outcome: 'ok',
      details: {events: e.ids, duplicates: e.duplicates, ...e.counts},
    })
  }
}
