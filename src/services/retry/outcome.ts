import type {GatewayCall} from '../../core/gateway-call.js'
import type {FetchedTxn} from '../../core/transaction.js'
import type {PaymentOutcome} from '../../gateways/types.js'
import {dual} from '../../store/ops/dual.js'
import {now, type Ops, write} from '../../store/ops/op.js'
import {lockAuditHead} from '../../store/repos/audit.js'
import {listGrants} from '../../store/repos/grants.js'
import {getProvider} from '../../store/repos/providers.js'
import type {AttemptRow} from '../../store/repos/retries-attempts.js'
import {recordCalls} from '../../store/repos/sync-state.js'
import {applyItems, serializeItems} from '../sync/apply.js'
import type {ApplyScope} from '../sync/scope.js'
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
 * The calls are taken from the connections by the caller, once, so a body run again (a deadlock) records them too.
 */
export const recordOutcome = dual(function* recordOutcome(w: {
  attempt: AttemptRow
  learned: Learned
  item: FetchedTxn | null
  calls: readonly GatewayCall[]
  deps: SettleDeps
}): Ops<Settled> {
  return yield* write(
    (function* () {
      // Before the chain's rows: the apply below takes it, and a sync page holding it may wait for those rows.
      yield* lockAuditHead.ops()
      const at = yield* now()
      const settled = yield* settleAttempt.ops(w.attempt, w.learned, w.deps, at)
      if (w.item)
        yield* applyItems.ops(yield* retryScope(w.attempt.provider, w.deps.actor), serializeItems([w.item]), [])
      yield* recordCalls.ops(w.calls)
      return settled
    })(),
  )
})

function* retryScope(providerId: string, actor: string): Ops<ApplyScope> {
  const provider = yield* getProvider.ops(providerId)
  return {
    provider: providerId,
    kind: provider?.kind ?? 'unknown',
    actor,
    source: 'retry',
    grants: yield* listGrants.ops(providerId),
    latencySince: null,
    customers: new Map(),
  }
}
