import type {FetchedTxn} from '../../core/transaction.js'
import type {PaymentOutcome} from '../../gateways/types.js'
import type {Db} from '../../store/db.js'
import {listGrants} from '../../store/repos/grants.js'
import {getProvider} from '../../store/repos/providers.js'
import type {AttemptRow} from '../../store/repos/retries-attempts.js'
import {recordCalls} from '../../store/repos/sync-state.js'
import {applyItems, serializeItems} from '../sync/apply.js'
import type {ApplyScope} from '../sync/scope.js'
import type {RunConnections} from './connections.js'
import {type Learned, type SettleDeps, type Settled, settleAttempt} from './settle.js'

/**
 * An answer from the gateway (to the request, to the same request re-sent, or to a look-up) as what the attempt
 * learned. A request our own circuit breaker refused never left this machine: `not_sent`, unless the attempt was
 * already sent once (a re-send refused locally says nothing about the first).
 */
export function learnedOf(outcome: PaymentOutcome, firstSend: boolean): Learned {
  switch (outcome.status) {
    case 'succeeded':
    case 'pending':
      return {status: outcome.status, externalId: outcome.externalId, detail: `the gateway answered ${outcome.status}`}
    case 'unknown':
      return {status: 'unknown', externalId: outcome.externalId, detail: outcome.reason}
    case 'failed':
      if (outcome.failure.code.toLowerCase() === 'circuit_open')
        return firstSend
          ? {status: 'not_sent', detail: outcome.failure.message}
          : {status: 'unknown', externalId: outcome.externalId, detail: `not re-sent: ${outcome.failure.message}`}
      return {
        status: 'failed',
        externalId: outcome.externalId,
        failure: outcome.failure,
        detail: `the gateway answered ${outcome.failure.code}`,
      }
  }
}

/**
 * Settles the attempt, moves its chain and applies the payment the gateway answered with through the one apply path
 * (source `retry`), in one write transaction with the calls made so far: the ledger and the queue never disagree.
 */
export function recordOutcome(
  db: Db,
  w: {attempt: AttemptRow; learned: Learned; item: FetchedTxn | null; conns: RunConnections; deps: SettleDeps},
): Settled {
  return db.write(() => {
    const now = db.now()
    const settled = settleAttempt(db, w.attempt, w.learned, w.deps, now)
    if (w.item) applyItems(db, retryScope(db, w.attempt.provider, w.deps.actor), serializeItems([w.item]), [])
    recordCalls(db, w.conns.drainCalls())
    return settled
  })
}

function retryScope(db: Db, providerId: string, actor: string): ApplyScope {
  const provider = getProvider(db, providerId)
  return {
    provider: providerId,
    kind: provider?.kind ?? 'unknown',
    actor,
    source: 'retry',
    grants: listGrants(db, providerId),
    latencySince: null,
    customers: new Map(),
  }
}
