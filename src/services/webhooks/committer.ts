import type {GatewayCall} from '../../core/gateway-call.js'
import type {Db} from '../../store/db.js'
import {listGrants} from '../../store/repos/grants.js'
import {recordCalls} from '../../store/repos/sync-state.js'
import {appendAudit} from '../audit.js'
import {addCounts, zeroCounts} from '../sync/apply.js'
import type {ApplyScope} from '../sync/scope.js'
import {applyDelivery, type Delivery, type DeliveryOutcome} from './apply-delivery.js'

/**
 * Group commit: deliveries verified while the previous commit ran share the next immediate transaction, so one
 * fsync makes a whole group durable and the commit rate is not the ceiling. Each delivery runs in its own savepoint:
 * one that fails (and only that one) is rolled back and answered 500, so the gateway sends it again. A delivery's
 * promise settles only once its transaction has committed: the server answers 2xx after that, never before.
 */
export interface Committer {
  submit(delivery: Delivery & {kind: string}): Promise<DeliveryOutcome>
  /** Resolves once everything submitted so far has committed (or failed). */
  drain(): Promise<void>
  inFlight(): number
}

export interface CommitterOptions {
  actor: string
  /** Gateway calls made since the last commit (verification APIs), recorded with the next group. */
  takeCalls?: () => GatewayCall[]
  /** After each group commits: what it wrote (e.g. to wake the fetcher). */
  onCommitted?: (outcomes: readonly DeliveryOutcome[]) => void
  /** Largest group; what arrives beyond it waits for the next transaction. */
  maxGroup?: number
  now?: () => number
}

interface Waiting {
  delivery: Delivery & {kind: string}
  resolve: (outcome: DeliveryOutcome) => void
  reject: (error: unknown) => void
}

const DEFAULT_MAX_GROUP = 512

export function createCommitter(db: Db, opts: CommitterOptions): Committer {
  const now = opts.now ?? Date.now
  const maxGroup = opts.maxGroup ?? DEFAULT_MAX_GROUP
  let queue: Waiting[] = []
  let scheduled = false
  const drained: Array<() => void> = []

  const runGroup = (): void => {
    scheduled = false
    const group = queue.slice(0, maxGroup)
    queue = queue.slice(group.length)
    if (queue.length > 0) schedule()
    const settled = commitGroup(db, group, opts, now)
    for (const [i, w] of group.entries()) {
      const s = settled[i]!
      if (s.ok) w.resolve(s.outcome)
      else w.reject(s.error)
    }
    opts.onCommitted?.(settled.flatMap((s) => (s.ok ? [s.outcome] : [])))
    if (queue.length === 0) for (const done of drained.splice(0)) done()
  }
  // setImmediate: every request whose body and verification finished in this turn of the event loop joins.
  const schedule = (): void => {
    if (scheduled) return
    scheduled = true
    setImmediate(runGroup)
  }

  return {
    submit(delivery) {
      return new Promise<DeliveryOutcome>((resolve, reject) => {
        queue.push({delivery, resolve, reject})
        schedule()
      })
    },
    drain() {
      if (queue.length === 0) return Promise.resolve()
      return new Promise<void>((resolve) => drained.push(resolve))
    },
    inFlight: () => queue.length,
  }
}

type Settled = {ok: true; outcome: DeliveryOutcome} | {ok: false; error: unknown}

/** One immediate transaction for the group: each delivery in its savepoint, then one audit row per provider. */
function commitGroup(db: Db, group: readonly Waiting[], opts: CommitterOptions, now: () => number): Settled[] {
  try {
    return db.write(() => {
      const scopes = new Map<string, ApplyScope>()
      const settled = group.map(({delivery}): Settled => {
        const scope = scopeFor(db, scopes, delivery, opts.actor)
        try {
          return {ok: true, outcome: db.write(() => applyDelivery(db, scope, delivery, now()))}
        } catch (error) {
          return {ok: false, error}
        }
      })
      auditGroup(db, group, settled, opts.actor)
      const calls = opts.takeCalls?.() ?? []
      if (calls.length > 0) recordCalls(db, calls)
      return settled
    })
  } catch (error) {
    return group.map(() => ({ok: false, error}))
  }
}

/**
 * Built per group, not kept: grants and customers imported while the server runs apply to the next delivery (a
 * cached "unknown customer" would quarantine every later payment of that customer until a replay).
 */
function scopeFor(db: Db, scopes: Map<string, ApplyScope>, d: Delivery & {kind: string}, actor: string): ApplyScope {
  let scope = scopes.get(d.provider)
  if (!scope) {
    scope = {
      provider: d.provider,
      kind: d.kind,
      actor,
      source: 'webhook',
      grants: listGrants(db, d.provider),
      latencySince: null,
      customers: new Map(),
    }
    scopes.set(d.provider, scope)
  }
  return scope
}

function auditGroup(db: Db, group: readonly Waiting[], settled: readonly Settled[], actor: string): void {
  const byProvider = new Map<string, {ids: number[]; duplicates: number; counts: ReturnType<typeof zeroCounts>}>()
  for (const [i, s] of settled.entries()) {
    if (!s.ok) continue
    const provider = group[i]!.delivery.provider
    const entry = byProvider.get(provider) ?? {ids: [], duplicates: 0, counts: zeroCounts()}
    byProvider.set(provider, entry)
    if (s.outcome.status === 'duplicate') entry.duplicates++
    else {
      entry.ids.push(s.outcome.id)
      entry.counts = addCounts(entry.counts, s.outcome.counts)
    }
  }
  for (const [provider, e] of byProvider) {
    appendAudit(db, {
      actor,
      action: 'webhook.received',
      provider,
      subject: `${e.ids.length + e.duplicates} deliveries`,
      outcome: 'ok',
      details: {events: e.ids, duplicates: e.duplicates, ...e.counts},
    })
  }
}
