import {mayReplay, recheckDelay} from '../../core/retry/policy.js'
import type {FetchedTxn, NormalizedTxn} from '../../core/transaction.js'
import type {CreatePaymentRequest} from '../../gateways/types.js'
import {scrubSecrets} from '../../secrets/index.js'
import type {LedgerHandle} from '../../store/ops/ledger-handle.js'
import {now, type Ops} from '../../store/ops/op.js'
import {getProvider} from '../../store/repos/providers.js'
import {type RetryRow, scheduleRetry} from '../../store/repos/retries.js'
import {type AttemptRow, externalIdsOf, noteCheck} from '../../store/repos/retries-attempts.js'
import {paymentsOfAttempt} from '../../store/repos/retries-ledger.js'
import {getTxnState} from '../../store/repos/transactions.js'
import type {AttemptDeps} from './attempt.js'
import type {Gateway} from './connections.js'
import {learnedOf, recordOutcome} from './outcome.js'
import type {Learned} from './settle.js'
import type {ChainTurn} from './turn.js'

/**
 * An attempt whose outcome is not known (it timed out, the connection reset, the process died while sending) or not
 * final (pending at the gateway) is settled by asking, never by sending anew (docs/gateways.md#unknown-outcomes):
 * 1. the ledger: a payment a sync or webhook brought in that carries the attempt's key, or pays its invoice;
 * 2. a gateway without idempotency is searched (Braintree, by order id), which also tells a pending sale's progress;
 *    found nothing an hour after the request means nothing was charged;
 * 3. a gateway with idempotency gets the very same request under the same key, which returns the first request's
 *    outcome rather than charging again, but only while every gateway still keeps keys (KEY_REPLAY_WINDOW_MS).
 * Until one of them answers, the chain stays `resolving` and nothing is sent for the payment.
 */
const NOT_FOUND_AFTER_MS = 3_600_000
/** Gateway and our clock may disagree: the ledger search starts this long before the request. */
const SKEW_MS = 120_000

export async function resolveChain(
  ledger: LedgerHandle,
  chain: RetryRow,
  attempt: AttemptRow,
  deps: AttemptDeps,
): Promise<ChainTurn> {
  const found = await ledger.read(inLedger(chain, attempt))
  const asked = found ? null : await askGateway(ledger, attempt, deps)
  const answer = found ? {learned: found, item: null} : asked
  const turn = {
    retry: chain.id,
    payment: chain.txnId,
    provider: attempt.provider,
    route: attempt.route,
    attempt: attempt.slot,
  }
  const settled = answer && answer.learned.status !== 'unknown'
  // Pending again is no news: the attempt is looked at again later, less often each time.
  if (settled && !(answer.learned.status === 'pending' && attempt.status === 'pending')) {
    const calls = deps.conns.drainCalls()
    await ledger.write(() => recordOutcome.ops({attempt, learned: answer.learned, item: answer.item, calls, deps}))
    return {...turn, action: 'resolved', outcome: answer.learned.status, note: answer.learned.detail}
  }
  const detail = answer?.learned.detail ?? (attempt.status === 'pending' ? 'still pending' : 'no answer yet')
  await ledger.write(() =>
    (function* () {
      const at = yield* now()
      yield* noteCheck.ops(attempt.id, detail)
      yield* scheduleRetry.ops(chain.id, {
        status: 'resolving',
        nextAt: new Date(Date.parse(at) + recheckDelay(attempt.checks + 1)).toISOString(),
        note: `retry ${attempt.slot} at ${attempt.provider} not settled: ${detail}`,
        now: at,
      })
    })(),
  )
  return {...turn, action: 'unresolved', outcome: attempt.status, note: detail}
}

/** The attempt's payment as the mirror knows it: by its id, else by its key or invoice since it was sent. */
function* inLedger(chain: RetryRow, attempt: AttemptRow): Ops<Learned | null> {
  const byId = attempt.externalId ? (yield* getTxnState.ops(`${attempt.provider}:${attempt.externalId}`))?.txn : null
  const txn = byId ?? (yield* byKeyOrInvoice(chain, attempt))
  if (!txn) return null
  const detail = `found in the ledger as ${txn.id} (${txn.status})`
  if (txn.status === 'succeeded') return {status: 'succeeded', externalId: txn.externalId, detail}
  if (txn.status === 'failed' || txn.status === 'canceled')
    return {
      status: 'failed',
      externalId: txn.externalId,
      failure: txn.failure ?? {code: txn.status, message: txn.status, decision: 'terminal'},
      detail,
    }
  return null
}

function* byKeyOrInvoice(chain: RetryRow, attempt: AttemptRow): Ops<NormalizedTxn | null> {
  const except = [...(yield* externalIdsOf.ops(chain.id))].map((id) => `${attempt.provider}:${id}`)
  except.push(chain.txnId)
  const candidates = yield* paymentsOfAttempt.ops({
    provider: attempt.provider,
    since: new Date(Date.parse(attempt.startedAt) - SKEW_MS).toISOString(),
    key: attempt.idempotencyKey,
    invoice: chain.invoiceRef ? {customerId: chain.customerId, invoiceRef: chain.invoiceRef} : null,
    except,
  })
  return (
    candidates.find((t) => t.amount.minor === chain.amount.minor && t.amount.currency === chain.amount.currency) ?? null
  )
}

/** Asks the attempt's gateway; null when this gateway can no longer be asked (only the ledger can settle it now). */
async function askGateway(
  ledger: LedgerHandle,
  attempt: AttemptRow,
  deps: AttemptDeps,
): Promise<{learned: Learned; item: FetchedTxn | null} | null> {
  const provider = await ledger.read(getProvider.ops(attempt.provider))
  if (!provider) return null
  // A disabled provider is never called, not even to ask: the ledger may still settle the attempt.
  if (!provider.enabled)
    return {
      learned: {status: 'unknown', externalId: null, detail: `${provider.id} is disabled: not asked`},
      item: null,
    }
  let gateway: Gateway
  try {
    gateway = await deps.conns.open(provider)
  } catch (error) {
    return {learned: {status: 'unknown', externalId: null, detail: scrubSecrets((error as Error).message)}, item: null}
  }
  const request = JSON.parse(attempt.requestJson) as CreatePaymentRequest
  const nowMs = Date.parse(await ledger.read(now()))
  const startedMs = Date.parse(attempt.startedAt)
  try {
    if (gateway.lookup) {
      const found = await gateway.lookup(request, startedMs, deps.signal)
      const known = await ledger.read(externalIdsOf.ops(attempt.retryId))
      if (
        found.status !== 'unknown' &&
        found.externalId &&
        known.has(found.externalId) &&
        found.externalId !== attempt.externalId
      )
        return {
          learned: {
            status: 'unknown',
            externalId: null,
            detail: `the look-up found an earlier attempt's ${found.externalId}`,
          },
          item: null,
        }
      if (found.status === 'unknown' && attempt.status !== 'pending' && nowMs - startedMs >= NOT_FOUND_AFTER_MS)
        return {learned: notCharged(found.reason), item: null}
      return {learned: learnedOf(found, false), item: 'item' in found ? found.item : null}
    }
    // A pending payment's request, re-sent, would only repeat "pending": its webhook or the next sync settles it.
    if (attempt.status !== 'pending' && gateway.facts.retryAmbiguousPosts && mayReplay(startedMs, nowMs)) {
      const again = await gateway.client.createPayment!(request, deps.signal)
      return {learned: learnedOf(again, false), item: 'item' in again ? again.item : null}
    }
    return null
  } catch (error) {
    return {learned: {status: 'unknown', externalId: null, detail: scrubSecrets((error as Error).message)}, item: null}
  }
}

function notCharged(reason: string): Learned {
  return {
    status: 'failed',
    externalId: null,
    failure: {code: 'not_found', message: `nothing was charged: ${reason}`, decision: 'retry'},
    detail: `no payment found an hour after the request (${reason}): nothing was charged`,
  }
}
