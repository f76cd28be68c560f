import {isOpen, queueVerdict} from '../../core/retry/policy.js'
import {retryPolicy} from '../../core/retry/schedule.js'
import type {NormalizedTxn} from '../../core/transaction.js'
import {dual} from '../../store/ops/dual.js'
import {engine, type Ops} from '../../store/ops/op.js'
import type {Owner} from '../../store/repos/customers.js'
import {getProvider} from '../../store/repos/providers.js'
import {insertRetry, openRetriesLike, retryOfPayment} from '../../store/repos/retries.js'
import {attemptByExternalId, attemptByKey, type AttemptRow} from '../../store/repos/retries-attempts.js'
import {type RetryLinks, retryLinksIn} from '../../store/repos/retry-links.js'
import {readRetryRules} from '../../store/repos/retry-rules.js'
import {appendAudit} from '../audit.js'
import type {OncePerApply} from '../sync/once-per-apply.js'
import type {ApplyScope} from '../sync/scope.js'
import {cardAttemptOf} from '../../core/retry/decide-retry.js'
import {decideFailure} from './decide.js'
import {retryKeyIn} from './request.js'
import {type Learned, settleAttempt, supersede} from './settle.js'

/** What this reaction reads of sync/reactions.ts's ApplyEvent (named there; that module lists this one). */
type Applied =
  | {
      kind: 'written'
      txn: NormalizedTxn
      owner: Owner | null
      now: string
      once: OncePerApply
      batch: readonly NormalizedTxn[]
    }
  | {kind: 'held'}

/**
 * The retry queue's part of every apply (sync pages, webhooks, replays, retries' own outcomes), inside the same write
 * transaction, so a failed payment and its place in the queue commit together:
 * - a payment one of our attempts made settles that attempt (found by its id, or by the retry key it carries);
 * - a queued failed payment that turns out not to have failed ends its chain (superseded);
 * - a new failure whose decision is `retry` enters the queue, unless an open chain already covers the same bill.
 */
export const retryReaction = dual(function* retryReaction(scope: ApplyScope, event: Applied): Ops<void> {
  if (event.kind !== 'written' || event.txn.type !== 'payment') return
  const {txn, now} = event
  const links = yield* pageLinks(event)
  const attempt = yield* attemptOf(txn, links)
  if (attempt) {
    const learned = learnedFrom(txn)
    if (learned) yield* settleAttempt.ops(attempt, learned, {actor: scope.actor}, now)
    return
  }
  const chain = !links || links.chains.has(txn.id) ? yield* retryOfPayment.ops(txn.id) : null
  if (chain) {
    if (txn.status !== 'failed' && isOpen(chain.status))
      yield* supersede.ops(chain, `the failed payment is now ${txn.status}`, scope.actor, now)
    return
  }
  if (txn.status === 'failed' && txn.failure && event.owner) {
    yield* enqueue(scope, txn, event.owner, event)
    // A later state of this payment in the same page must ask for the chain it may have queued.
    links?.chains.add(txn.id)
  }
})

/**
 * On PostgreSQL, which of the page's payments the queue knows, read once for the page; null (ask per payment) on
 * SQLite, whose point reads cost less than the list, and for a payment the page was not given.
 */
function* pageLinks(event: Extract<Applied, {kind: 'written'}>): Ops<RetryLinks | null> {
  const {id} = event.txn
  if ((yield* engine()) !== 'postgres' || !event.batch.some((t) => t.id === id)) return null
  return yield* event.once(retryLinksIn, event.batch)
}

function* attemptOf(txn: NormalizedTxn, links: RetryLinks | null): Ops<AttemptRow | null> {
  const known = !links || links.attempts.has(`${txn.provider}:${txn.externalId}`)
  const byId = known ? yield* attemptByExternalId.ops(txn.provider, txn.externalId) : null
  if (byId) return byId
  const key = retryKeyIn(txn.metadata)
  const byKey = key ? yield* attemptByKey.ops(key) : null
  return byKey && byKey.provider === txn.provider ? byKey : null
}

/** A payment's state as an attempt's outcome; null while it says nothing final or pending. */
function learnedFrom(txn: NormalizedTxn): Learned | null {
  const detail = `seen as ${txn.status} in a ${txn.provider} ${txn.updatedAt} state`
  switch (txn.status) {
    case 'succeeded':
      return {status: 'succeeded', externalId: txn.externalId, detail}
    case 'pending':
    case 'authorized':
      return {status: 'pending', externalId: txn.externalId, detail}
    case 'failed':
    case 'canceled':
      return {
        status: 'failed',
        externalId: txn.externalId,
        failure: txn.failure ?? {code: txn.status, message: `the payment was ${txn.status}`, decision: 'terminal'},
        detail,
      }
    default:
      return null
  }
}

function* enqueue(
  scope: ApplyScope,
  txn: NormalizedTxn,
  owner: Owner,
  {now, once}: {now: string; once: OncePerApply},
): Ops<void> {
  const failure = txn.failure!
  // The failed payment is the card's first attempt: no reattempt, and it alone is what the caps can count here (which
  // card it charged is not known; the retries' own card history is checked again before each send).
  const first = cardAttemptOf({at: txn.occurredAt, reattempt: false}, {status: 'failed', failure})
  // The rules are read once per page, not per failed payment: a backfill brings thousands of failures.
  const rules = yield* once(readRetryRules)
  const verdict = yield* decideFailure.ops(txn.kind, failure, first ? [first] : [], txn.occurredAt, rules)
  // Per page too: an apply never writes a connection (the `providers` services do, outside any apply).
  const provider = yield* once(getProvider, txn.provider)
  if (verdict.decision !== 'retry' || !provider) return
  const policy = retryPolicy(provider)
  const queue = queueVerdict(
    {
      decision: verdict.decision,
      occurredAtMs: Date.parse(txn.occurredAt),
      notBefore: verdict.notBefore ? Date.parse(verdict.notBefore) : null,
    },
    policy,
    Date.parse(now),
  )
  if (!queue.queue) return
  // One chain per bill: a failure echoing one of our attempts, or the same bill failing again, joins the open one.
  const like = {customerId: owner.customerId, invoiceRef: txn.invoiceRef, amount: txn.amount}
  if ((yield* openRetriesLike.ops(like)).length > 0) return
  const nextAt = new Date(queue.at).toISOString()
  const id = yield* insertRetry.ops({
    txnId: txn.id,
    provider: txn.provider,
    customerId: owner.customerId,
    siteId: owner.siteId,
    invoiceRef: txn.invoiceRef,
    amount: txn.amount,
    failureCode: txn.failure!.code,
    failedAt: txn.occurredAt,
    nextAt,
    note: `queued: ${verdict.reason}; first retry due ${nextAt} (${policy.schedule}, at most ${policy.maxRetries})`,
    now,
  })
  if (id === null) return
  yield* appendAudit.ops({
    actor: scope.actor,
    action: 'retry.queued',
    provider: txn.provider,
    subject: txn.id,
    outcome: 'ok',
    details: {
      retry: id,
      code: txn.failure!.code,
      due: nextAt,
      schedule: policy.schedule,
      maxRetries: policy.maxRetries,
    },
  })
}
