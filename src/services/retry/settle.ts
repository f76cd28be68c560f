import {afterAttempt, isOpen, type Next} from '../../core/retry/policy.js'
import {retryPolicy} from '../../core/retry/schedule.js'
import type {NormalizedTxn} from '../../core/transaction.js'
import type {Db} from '../../store/db.js'
import {getProvider} from '../../store/repos/providers.js'
import {finishRetry, getRetry, type RetryRow, scheduleRetry} from '../../store/repos/retries.js'
import {type AttemptRow, settleAttemptRow} from '../../store/repos/retries-attempts.js'
import {raiseAlert} from '../alerts/raise.js'
import {appendAudit} from '../audit.js'
import {cardAttemptOf} from '../../core/retry/decide-retry.js'
import {cardHistory, decideFailure, kindOf} from './decide.js'

/**
 * What became of an attempt, however it was learned: its own answer, asking the gateway again, or the payment
 * arriving by sync or webhook. Every path ends here, so an attempt settles once and its chain moves once.
 */
type Failure = NonNullable<NormalizedTxn['failure']>

export type Learned =
  | {status: 'succeeded' | 'pending'; externalId: string; detail: string}
  | {status: 'failed'; externalId: string | null; failure: Failure; detail: string}
  | {status: 'unknown'; externalId: string | null; detail: string}
  | {status: 'not_sent'; detail: string}

/** raiseAlert as this path calls it, on a Db (its `.ops` is not needed here, nor given by tests' stand-ins). */
export type RaiseAlert = (db: Db, alert: Parameters<typeof raiseAlert>[1]) => void

export interface SettleDeps {
  actor: string
  /** Injected by tests; the alerts outbox otherwise. */
  raise?: RaiseAlert
}

/** Where the chain stands afterwards. */
export type Settled = {changed: false} | {changed: true; next: Next | {status: 'not_sent'} | null}

/** Settles an attempt and moves its chain, inside the caller's write transaction. */
export function settleAttempt(db: Db, attempt: AttemptRow, learned: Learned, deps: SettleDeps, now: string): Settled {
  const failure = learned.status === 'failed' ? decided(db, attempt, learned.failure, now) : null
  const changed = settleAttemptRow(db, attempt.id, {
    status: learned.status,
    externalId: 'externalId' in learned ? learned.externalId : null,
    failure,
    detail: learned.detail,
    now,
  })
  if (!changed) return {changed: false}
  if (learned.status === 'not_sent') return {changed: true, next: {status: 'not_sent'}}
  const chain = getRetry(db, attempt.retryId)!
  // A recovery is recorded even on a chain an admin canceled meanwhile: the money was collected.
  if (!isOpen(chain.status) && learned.status !== 'succeeded') return {changed: true, next: null}
  const next = afterAttempt(
    {
      outcome: learned.status,
      decision: failure?.decision ?? null,
      code: failure?.code ?? null,
      slot: attempt.slot,
      checks: attempt.checks,
      notBefore: failure?.notBefore ? Date.parse(failure.notBefore) : null,
    },
    policyOf(db, chain),
    Date.parse(now),
  )
  moveChain(db, chain, next, {attempt, learned, deps, now})
  return {changed: true, next}
}

/**
 * The decision on a retry's failure: the failure itself, then the card-network caps over the card's attempts, this
 * one included as it ended (docs/gateways.md#card-network-caps).
 */
function decided(db: Db, attempt: AttemptRow, failure: Failure, now: string) {
  const card = {provider: attempt.provider, methodRef: attempt.methodRef}
  const self = cardAttemptOf({at: attempt.startedAt, reattempt: true}, {status: 'failed', failure})
  const history = [...cardHistory(db, card, now, attempt.id), ...(self ? [self] : [])]
  const verdict = decideFailure(db, kindOf(db, attempt.provider), failure, history, now)
  return {...failure, decision: verdict.decision, reason: verdict.reason, notBefore: verdict.notBefore}
}

function policyOf(db: Db, chain: RetryRow) {
  const p = getProvider(db, chain.provider)
  return retryPolicy({retrySchedule: p?.retrySchedule ?? null, maxRetries: p?.maxRetries ?? null})
}

/** Stores a decision about an open chain (or a recovery of any chain), with its audit row and alert. */
export function moveChain(
  db: Db,
  chain: RetryRow,
  next: Next,
  ctx: {attempt: AttemptRow | null; learned: Learned | null; deps: SettleDeps; now: string; slotsUsed?: number},
): void {
  const {attempt, learned, deps, now} = ctx
  switch (next.status) {
    case 'queued':
    case 'resolving':
      scheduleRetry(db, chain.id, {
        status: next.status,
        nextAt: new Date(next.at).toISOString(),
        note: next.reason,
        slotsUsed: ctx.slotsUsed,
        now,
      })
      return
    case 'recovered': {
      const externalId = learned && 'externalId' in learned ? learned.externalId : null
      if (!attempt || !externalId) throw new Error(`chain ${chain.id}: a recovery names its attempt and payment`)
      const txnId = `${attempt.provider}:${externalId}`
      const via = attempt.route
      if (
        !finishRetry(db, chain.id, {
          status: 'recovered',
          note: `recovered by ${txnId} (${via})`,
          now,
          recovery: {txnId, via, slot: attempt.slot},
        })
      )
        return
      appendAudit(db, {
        actor: deps.actor,
        action: 'retry.recovered',
        provider: attempt.provider,
        subject: chain.txnId,
        outcome: 'ok',
        details: {retry: chain.id, payment: txnId, route: via, attempt: attempt.slot, amount: chain.amount},
      })
      return
    }
    case 'exhausted':
    case 'stopped':
      if (!finishRetry(db, chain.id, {status: next.status, note: next.reason, now, slotsUsed: ctx.slotsUsed})) return
      appendAudit(db, {
        actor: deps.actor,
        action: `retry.${next.status}`,
        provider: chain.provider,
        subject: chain.txnId,
        outcome: 'ok',
        details: {retry: chain.id, reason: next.reason, slots: ctx.slotsUsed ?? chain.slotsUsed},
      })
      ;(deps.raise ?? raiseAlert)(db, {
        event: 'retry_exhausted',
        subject: chain.txnId,
        provider: chain.provider,
        customer: chain.customerId,
        site: chain.siteId,
        data: {
          retry: chain.id,
          payment: chain.txnId,
          outcome: next.status,
          reason: next.reason,
          amount: chain.amount,
          invoice: chain.invoiceRef,
          failureCode: chain.failureCode,
        },
        dedupKey: `retry_exhausted:${chain.id}`,
        at: now,
      })
  }
}

/** Ends an open chain whose bill no longer needs collecting (paid by other means, or not failed after all). */
export function supersede(db: Db, chain: RetryRow, note: string, actor: string, now: string): boolean {
  if (!finishRetry(db, chain.id, {status: 'superseded', note, now})) return false
  appendAudit(db, {
    actor,
    action: 'retry.superseded',
    provider: chain.provider,
    subject: chain.txnId,
    outcome: 'ok',
    details: {retry: chain.id, reason: note},
  })
  return true
}
