import type {Dispatcher} from 'undici'

import type {AppContext} from '../../app/context.js'
import {YmsError} from '../../core/errors.js'
import {parseRetryAfterMs} from '../../gateways/backoff.js'
import type {SecretStore} from '../../secrets/index.js'
import type {LedgerHandle} from '../../store/ops/ledger-handle.js'
import type {Ops} from '../../store/ops/op.js'
import {type AlertTarget, getAlertTarget} from '../../store/repos/alerts.js'
import {
  deliveryClaimants,
  type DueDelivery,
  dueDeliveries,
  nextDueAt,
  releaseClaims,
  releaseOthersClaims,
} from '../../store/repos/alerts-outbox.js'
import {acquireLease, getLease, type Lease, LeaseHeldError, releaseLease, renewLease} from '../../store/repos/leases.js'
import {leaseOwner, ownerIsDead} from '../lease-owner.js'
import {openSecretStore} from '../secret-store.js'
import {type Answered, type Outcome, recordAnswer} from './outcome.js'
import {requestFor} from './message.js'
import {DEFAULT_TIMEOUT_MS, post} from './send.js'

/** One deliverer at a time per ledger (the watch loop, `webhooks serve`, a cron `alerts flush`): order needs it. */
const DELIVERY_LEASE = 'alerts:deliver'
const BATCH = 64
const DEFAULT_CONCURRENCY = 8

export interface DeliverOptions {
  timeoutMs?: number
  /** Attempts in flight at once (each to a different target and order key). */
  concurrency?: number
  /** Graceful stop: no new attempt starts; those in flight finish. */
  stop?: AbortSignal
  /** Hard stop: attempts in flight are cut short, and not counted against their delivery. */
  abort?: AbortSignal
  dispatcher?: Dispatcher
  /** Tests: the secret store (default: the ledger's). */
  secrets?: SecretStore
}

export interface DeliveryReport {
  attempted: number
  delivered: number
  /** Attempts that failed; their deliveries are tried again on the schedule (schedule.ts). */
  retrying: number
  /** Deliveries given up after their last attempt (audited as alert.delivery_failed). */
  gaveUp: number
  /** Targets disabled because their receiver answered 410 Gone (audited as alert.target_disabled). */
  disabled: string[]
  /** Targets not tried, and why (a missing secret): their deliveries wait, no attempt spent. */
  blocked: Array<{target: string; reason: string}>
  /**
   * Targets set aside for the rest of the call (an attempt failed, a secret is missing): deliveries of theirs may
   * still be due. A loop waits a poll interval before calling again rather than try them at once.
   */
  deferred: string[]
  /** The owner of the delivery lease when another process holds it: nothing was tried. */
  busy: string | null
}

function emptyReport(): DeliveryReport {
  return {attempted: 0, delivered: 0, retrying: 0, gaveUp: 0, disabled: [], blocked: [], deferred: [], busy: null}
}

/**
 * Delivers every delivery that is due and first in line, until none is (or a stop). A target that fails an attempt
 * is not tried again in this call: a receiver that is down sees one attempt per call, not one per waiting alert.
 * Each step is its own transaction: no transaction is open while a receiver is being called.
 */
export async function deliverDue(
  ledger: LedgerHandle,
  ctx: AppContext,
  opts: DeliverOptions = {},
): Promise<DeliveryReport> {
  const report = emptyReport()
  // Nothing due: no lease taken (a write, an fsync), which a loop polling every second would otherwise do for nothing.
  // Claims of a former holder (dead, or its lease lapsed) count as due: taking the lease over releases them.
  const at = new Date(ctx.now()).toISOString()
  const {
    next,
    claimants,
    lease: held,
  } = await ledger.read(
    (function* () {
      return {
        next: yield* nextDueAt.ops(),
        claimants: yield* deliveryClaimants.ops(),
        lease: yield* getLease.ops(DELIVERY_LEASE),
      }
    })(),
  )
  const orphaned = claimants.some(
    (c) => held === null || held.owner !== c || held.expiresAt <= at || ownerIsDead(held.owner),
  )
  if ((next === null || next > at) && !orphaned) return report
  const owner = leaseOwner('alerts')
  const timeoutMs = opts.timeoutMs ?? DEFAULT_TIMEOUT_MS
  const concurrency = opts.concurrency ?? DEFAULT_CONCURRENCY
  // Renewed with each batch's claim: it must outlast the slowest batch (every wave of attempts timing out), or another
  // process could start delivering beside this one and break the order.
  const ttlMs = Math.ceil(BATCH / concurrency) * timeoutMs + 30_000
  const renewing = ctx.now()
  const taken = await takeLease(ledger, owner, ttlMs)
  if (typeof taken === 'string') return {...report, busy: taken}
  const lease = new HeldLease(ledger, ctx, taken, ttlMs, renewing)
  const stopped = () => opts.stop?.aborted === true || opts.abort?.aborted === true || lease.lost !== null
  const round = new Round(ctx, {...opts, timeoutMs}, report, stopped, lease)
  try {
    while (!stopped()) {
      // On PostgreSQL the batch is claimed as it is read (dueDeliveries), for as long as the lease lasts, in the
      // transaction that renews the lease: a batch is claimed only while the lease holds, and its claims name this
      // owner, so that a host taking the lease over releases them (takeLease). A claim is a write.
      const now = new Date(ctx.now()).toISOString()
      // A function: a claim the server broke a deadlock with is made again (ledger-handle.ts).
      const due = await lease.claim(() => round.batch(now, ttlMs, owner))
      if (due === null || due.length === 0) break
      const answered = await mapLimited(due, concurrency, (d) => round.attempt(d))
      // One commit for the batch: an answer lost to a crash before it means a resend under the same webhook-id,
      // which the receiver de-duplicates; one fsync per delivery would cap delivery at the disk's sync rate.
      // Recorded even when the lease was lost meanwhile: what was sent was sent.
      const recorded = answered.filter((a): a is Answered => a !== null)
      const unattempted = due.filter((_, i) => answered[i] === null)
      const outcomes = await ledger.write(() =>
        (function* () {
          const outcomes: Outcome[] = []
          for (const a of recorded) outcomes.push(yield* recordAnswer.ops(ctx.actor, a))
          // What was claimed and not attempted, or answered 410 (not an attempt), is due again at once (PostgreSQL).
          const disabled = recorded.filter((_, i) => outcomes[i] === 'disabled').map((a) => a.delivery)
          yield* releaseClaims.ops([...unattempted, ...disabled], now, owner)
          return outcomes
        })(),
      )
      recorded.forEach((a, i) => round.count(a, outcomes[i]!))
    }
  } finally {
    await ledger.write(() => releaseLease.ops(DELIVERY_LEASE, owner))
  }
  // Another process delivers now: this call ends as a run refused the lease would, exit 75 where a command ends on it.
  if (lease.lost !== null) throw lease.lost
  report.deferred = [...round.skip].sort()
  return report
}

/**
 * Takes the delivery lease (from a dead holder on this host too); the live holder's name when another has it. A
 * lease taken anew (not this owner's any more, or never) releases every other owner's claims in the same transaction:
 * theirs are a former holder's, dead or stalled past the lease, and are due at once rather than when they lapse.
 */
async function takeLease(ledger: LedgerHandle, owner: string, ttlMs: number): Promise<Lease | string> {
  const lease = await ledger.write(() => acquiring(owner, ttlMs))
  if (lease.acquired) return lease.lease
  const holder = lease.lease.owner
  if (!ownerIsDead(holder)) return holder
  // Only if the dead holder still has it: two processes racing for the takeover cannot both win.
  const taken = await ledger.write(() =>
    (function* () {
      if (!(yield* releaseLease.ops(DELIVERY_LEASE, holder))) return null
      const got = yield* acquiring(owner, ttlMs)
      return got.acquired ? got.lease : null
    })(),
  )
  return taken ?? holder
}

/** The owner is new to each deliverDue call: a lease it acquires is always taken anew, never renewed. */
function* acquiring(owner: string, ttlMs: number): Ops<{acquired: boolean; lease: Lease}> {
  const got = yield* acquireLease.ops(DELIVERY_LEASE, owner, ttlMs)
  if (got.acquired) yield* releaseOthersClaims.ops(owner, got.lease.acquiredAt)
  return got
}

/**
 * The delivery lease while deliverDue holds it. It is renewed with each batch's claim, and checked before each send:
 * a host that stalled past the lease's TTL (a long GC pause, a suspended VM) may find that another host took the
 * lease over and is delivering, and must not send what it claimed before, out of order with the other's sends.
 * Between renewals the check is the local clock (no statement per send): the lease's expiry was set by the store at
 * or after the renewal began, so it holds for ttlMs from then. Past that, a send renews it first, and stops the
 * deliverer if another owner has it.
 */
class HeldLease {
  /** Set once another owner holds the lease: nothing more is claimed or sent. */
  lost: LeaseHeldError | null = null
  #until: number
  #renewing: Promise<undefined | null> | null = null

  constructor(
    private readonly ledger: LedgerHandle,
    private readonly ctx: AppContext,
    readonly held: Lease,
    private readonly ttlMs: number,
    renewedAt: number,
  ) {
    this.#until = renewedAt + ttlMs
  }

  /** body in the transaction that renews the lease first; null (nothing claimed) when it was lost. */
  claim<T>(body: () => Ops<T>): Promise<T | null> {
    return this.#renewed(body)
  }

  /** Whether the lease still holds (renewed first if it may have lapsed); one renewal at a time. */
  async holds(): Promise<boolean> {
    if (this.lost !== null) return false
    if (this.ctx.now() < this.#until) return true
    this.#renewing ??= this.#renewed(null).finally(() => (this.#renewing = null))
    return (await this.#renewing) !== null
  }

  #renewed<T>(then: () => Ops<T>): Promise<T | null>
  #renewed(then: null): Promise<undefined | null>
  async #renewed<T>(then: (() => Ops<T>) | null): Promise<T | undefined | null> {
    if (this.lost !== null) return null
    const startedAt = this.ctx.now()
    const {held, ttlMs} = this
    try {
      const got = await this.ledger.write(() =>
        (function* () {
          // Renewed only if held throughout: one that lapsed meanwhile may have been another's, who delivered.
          yield* renewLease.ops(DELIVERY_LEASE, held.owner, ttlMs, held.acquiredAt)
          return then === null ? undefined : yield* then()
        })(),
      )
      this.#until = startedAt + ttlMs
      return got
    } catch (error) {
      if (!(error instanceof LeaseHeldError)) throw error
      this.lost = error
      return null
    }
  }
}

class Round {
  readonly skip = new Set<string>()
  readonly #targets = new Map<string, AlertTarget | null>()
  #secrets: SecretStore | undefined

  constructor(
    private readonly ctx: AppContext,
    private readonly opts: DeliverOptions & {timeoutMs: number},
    private readonly report: DeliveryReport,
    private readonly stopped: () => boolean,
    private readonly lease: HeldLease,
  ) {}

  /**
   * The next batch of due deliveries (claimed for claimMs on PostgreSQL), with what attempting them needs that this
   * round has not read yet: their targets (read once a round) and the ledger's secret store.
   */
  *batch(now: string, claimMs: number, claimant: string): Ops<DueDelivery[]> {
    const due = yield* dueDeliveries.ops(now, BATCH, [...this.skip], claimMs, claimant)
    for (const d of due)
      if (!this.#targets.has(d.targetId)) this.#targets.set(d.targetId, yield* getAlertTarget.ops(d.targetId))
    if (due.length > 0) this.#secrets ??= this.opts.secrets ?? (yield* openSecretStore.ops(this.ctx))
    return due
  }

  /** Sends one delivery; null when it was not sent or its answer does not count (a hard stop cut it short). */
  async attempt(d: DueDelivery): Promise<Answered | null> {
    // Before anything else: the checks below must see what other attempts did meanwhile.
    if (!(await this.lease.holds())) return null
    if (this.skip.has(d.targetId) || this.stopped()) return null
    const target = this.#targets.get(d.targetId) ?? null
    if (target === null) {
      this.skip.add(d.targetId)
      return null
    }
    let request
    try {
      request = requestFor(this.#secrets!, target, d, this.ctx.now())
    } catch (error) {
      if (!(error instanceof YmsError)) throw error
      this.skip.add(target.id)
      this.report.blocked.push({target: target.id, reason: error.message})
      return null
    }
    this.report.attempted++
    const answer = await post(request, {
      timeoutMs: this.opts.timeoutMs,
      signal: this.opts.abort,
      dispatcher: this.opts.dispatcher,
    })
    const accepted = answer.status !== null && answer.status >= 200 && answer.status < 300
    // A receiver that did not accept is not called again in this call, even before its answer is recorded.
    if (!accepted) this.skip.add(target.id)
    if (answer.status === null && answer.aborted) return null
    const nowMs = this.ctx.now()
    const retryAfterMs = answer.status === null ? null : parseRetryAfterMs(answer.retryAfter, nowMs)
    return {delivery: d, target, answer, nowMs, retryAfterMs}
  }

  /** Counts a recorded answer's outcome. */
  count(a: Answered, outcome: Outcome): void {
    if (outcome !== 'disabled') this.report[outcome]++
    else if (!this.report.disabled.includes(a.target.id)) this.report.disabled.push(a.target.id)
  }
}

/** fn over items, at most `limit` at a time; the results in the items' order. */
async function mapLimited<T, R>(items: readonly T[], limit: number, fn: (item: T) => Promise<R>): Promise<R[]> {
  const results: R[] = new Array(items.length)
  let next = 0
  const worker = async () => {
    while (next < items.length) {
      const i = next++
      results[i] = await fn(items[i]!)
    }
  }
  await Promise.all(Array.from({length: Math.min(limit, items.length)}, worker))
  return results
}
