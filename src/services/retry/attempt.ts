import {AuthError} from '../../core/errors.js'
import type {FetchedTxn} from '../../core/transaction.js'
import type {CreatePaymentRequest} from '../../gateways/types.js'
import {scrubSecrets} from '../../secrets/index.js'
import {afterSlot, isOpen, recheckDelay} from '../../core/retry/policy.js'
import {retryPolicy} from '../../core/retry/schedule.js'
import type {LedgerHandle} from '../../store/ops/ledger-handle.js'
import {now, type Ops} from '../../store/ops/op.js'
import {getProvider} from '../../store/repos/providers.js'
import {getRetry, lockRetry, type RetryRow} from '../../store/repos/retries.js'
import {
  attemptsOf,
  externalIdsOf,
  insertAttempt,
  type AttemptRow,
  unsettledAttempt,
} from '../../store/repos/retries-attempts.js'
import {invoicePaidBy} from '../../store/repos/retries-ledger.js'
import {getTxnState} from '../../store/repos/transactions.js'
import {appendAudit} from '../audit.js'
import type {Gateway, RunConnections} from './connections.js'
import {capsBlock} from './decide.js'
import {learnedOf, recordOutcome} from './outcome.js'
import {retryRequest} from './request.js'
import {routeAttempt, type Target} from './route.js'
import {type Learned, moveChain, type SettleDeps, supersede} from './settle.js'
import type {ChainTurn} from './turn.js'

export interface AttemptDeps extends SettleDeps {
  conns: RunConnections
  signal?: AbortSignal
}

function idle(chain: RetryRow): Omit<ChainTurn, 'action' | 'note'> {
  return {retry: chain.id, payment: chain.txnId, provider: null, route: null, attempt: null, outcome: null}
}

/** A request our breaker refused is re-routed once within the same slot (the fallback, if the primary went down). */
const ROUTES_PER_SLOT = 2

/**
 * A queued chain's turn: unless the bill was paid meanwhile, its next slot goes to the primary, or to the fallback
 * when the primary is down, or passes unused (audited, with why). The attempt is recorded before it is sent.
 */
export async function attemptChain(ledger: LedgerHandle, chain: RetryRow, deps: AttemptDeps): Promise<ChainTurn> {
  const base = idle(chain)
  const paid = await ledger.read(paidOtherwise(chain))
  if (paid) {
    await ledger.write(() => superseded(chain, paid, deps.actor))
    return {...base, action: 'superseded', note: paid}
  }
  const slot = chain.slotsUsed + 1
  const policy = retryPolicy(
    (await ledger.read(getProvider.ops(chain.provider))) ?? {retrySchedule: null, maxRetries: null},
  )
  if (slot > policy.maxRetries) {
    const note = `--max-retries is now ${policy.maxRetries}, and ${chain.slotsUsed} retries were made`
    await ledger.write(() =>
      (function* () {
        const at = yield* now()
        yield* moveChain.ops(chain, {status: 'exhausted', reason: note}, {attempt: null, learned: null, deps, now: at})
      })(),
    )
    return {...base, action: 'exhausted', note}
  }
  for (let turn = 1; ; turn++) {
    const routing = await routeAttempt(ledger, deps.conns, chain)
    const blocked =
      routing.kind === 'wait'
        ? routing.reason
        : await ledger.read(
            (function* () {
              const card = {provider: routing.target.provider.id, methodRef: routing.target.methodRef}
              return yield* capsBlock.ops(card, yield* now())
            })(),
          )
    if (routing.kind === 'wait' || blocked) return passSlot(ledger, chain, slot, blocked ?? '', deps)
    const {target} = routing
    const gateway = await deps.conns.open(target.provider)
    const found = gateway.lookup ? await lookFirst(ledger, chain, {target, gateway, slot}, deps) : null
    if (found === 'unreachable') continue
    if (found) {
      await ledger.write(() => superseded(chain, found, deps.actor))
      return {...base, action: 'superseded', provider: target.provider.id, note: found}
    }
    const sent = await send(ledger, chain, {target, gateway, slot}, deps)
    if (sent.learned !== 'not_sent') return sent.turn
    deps.conns.markDown(target.provider.id, `did not take the request (${sent.turn.note})`)
    if (turn >= ROUTES_PER_SLOT)
      return passSlot(ledger, (await ledger.read(getRetry.ops(chain.id)))!, slot, sent.turn.note, deps)
  }
}

function* superseded(chain: RetryRow, note: string, actor: string): Ops<void> {
  yield* supersede.ops(chain, note, actor, yield* now())
}

/** Why the chain is moot: the failed payment is no longer failed, or its invoice was paid by another payment. */
function* paidOtherwise(chain: RetryRow): Ops<string | null> {
  const failed = (yield* getTxnState.ops(chain.txnId))?.txn
  if (failed && failed.status !== 'failed') return `the failed payment is now ${failed.status}`
  if (!chain.invoiceRef) return null
  const by = yield* invoicePaidBy.ops({
    customerId: chain.customerId,
    invoiceRef: chain.invoiceRef,
    since: chain.failedAt,
    except: [chain.txnId],
  })
  return by ? `invoice ${chain.invoiceRef} was paid by ${by}` : null
}

/** A slot no processor could take: it is used up (the schedule moves on), with the reason audited. */
async function passSlot(
  ledger: LedgerHandle,
  chain: RetryRow,
  slot: number,
  reason: string,
  deps: AttemptDeps,
): Promise<ChainTurn> {
  const status = await ledger.write(() =>
    (function* () {
      const at = yield* now()
      const provider = yield* getProvider.ops(chain.provider)
      const policy = retryPolicy(provider ?? {retrySchedule: null, maxRetries: null})
      const next = afterSlot(slot, policy, Date.parse(at), `retry ${slot} not sent: ${reason}`)
      yield* appendAudit.ops({
        actor: deps.actor,
        action: 'retry.route',
        provider: chain.provider,
        subject: chain.txnId,
        outcome: 'waiting',
        details: {retry: chain.id, attempt: slot, route: 'wait', reason},
      })
      yield* moveChain.ops(chain, next, {attempt: null, learned: null, deps, now: at, slotsUsed: slot})
      // Read in the same transaction: what this turn left, not what another writer did since.
      return (yield* getRetry.ops(chain.id))!.status
    })(),
  )
  return {
    retry: chain.id,
    payment: chain.txnId,
    action: status === 'exhausted' ? 'exhausted' : 'waited',
    provider: null,
    route: null,
    attempt: slot,
    outcome: null,
    note: reason,
  }
}

/**
 * A gateway without idempotency is asked first whether a sale for this bill already exists since the failure (one
 * this chain does not know of: a request whose row was lost, another system's charge), so that nothing is charged
 * twice even then (docs/gateways.md#braintree-idempotency). Returns why the chain is moot, null to go ahead, or
 * 'unreachable' when the look-up failed (the provider then counts as down for this run).
 */
async function lookFirst(
  ledger: LedgerHandle,
  chain: RetryRow,
  s: {target: Target; gateway: Gateway; slot: number},
  deps: AttemptDeps,
): Promise<string | null | 'unreachable'> {
  const {sent, known} = await ledger.read(
    (function* () {
      return {sent: (yield* attemptsOf.ops(chain.id)).length, known: yield* externalIdsOf.ops(chain.id)}
    })(),
  )
  const request = retryRequest(chain, s.target, sent + 1, s.slot)
  known.add(chain.txnId.slice(chain.provider.length + 1))
  try {
    const found = await s.gateway.lookup!(request, Date.parse(chain.failedAt), deps.signal)
    if (found.status !== 'succeeded' && found.status !== 'pending') return null
    if (known.has(found.externalId)) return null
    return `${s.target.provider.id} already has ${found.status} payment ${found.externalId} for this bill`
  } catch (error) {
    deps.conns.markDown(s.target.provider.id, `failed a look-up (${scrubSecrets((error as Error).message)})`)
    return 'unreachable'
  }
}

/** Records the attempt, sends it, records what came back. */
async function send(
  ledger: LedgerHandle,
  chain: RetryRow,
  s: {target: Target; gateway: Gateway; slot: number},
  deps: AttemptDeps,
): Promise<{turn: ChainTurn; learned: string}> {
  const attempt = await ledger.write(() => writeAhead(chain, s.target, s.slot, deps))
  if (!attempt) {
    const turn: ChainTurn = {...idle(chain), action: 'resolved', note: 'the chain changed meanwhile: nothing sent'}
    return {turn, learned: 'none'}
  }
  const request = JSON.parse(attempt.requestJson) as CreatePaymentRequest
  let learned: Learned
  let item: FetchedTxn | null = null
  try {
    const outcome = await s.gateway.client.createPayment!(request, deps.signal)
    learned = learnedOf(outcome, true)
    item = 'item' in outcome ? outcome.item : null
  } catch (error) {
    // Refused credentials are refused before anything is done; anything else may have reached the gateway.
    const message = scrubSecrets((error as Error).message)
    learned =
      error instanceof AuthError
        ? {status: 'not_sent', detail: `credentials refused: ${message}`}
        : {status: 'unknown', externalId: null, detail: message}
  }
  const calls = deps.conns.drainCalls()
  await ledger.write(() => recordOutcome.ops({attempt, learned, item, calls, deps}))
  const turn: ChainTurn = {
    retry: chain.id,
    payment: chain.txnId,
    action: 'sent',
    provider: s.target.provider.id,
    route: s.target.route,
    attempt: s.slot,
    outcome: learned.status,
    note: learned.detail,
  }
  return {turn, learned: learned.status}
}

/**
 * The attempt's row (status `sending`, the exact request, its key) and the chain's move to `resolving` commit
 * before the request leaves: a process killed while sending leaves a chain that asks before it charges again.
 */
function* writeAhead(chain: RetryRow, target: Target, slot: number, deps: AttemptDeps): Ops<AttemptRow | null> {
  const at = yield* now()
  // Under the write lock (on PostgreSQL, the chain row's): a sync may have ended the chain (or settled it) since this
  // turn began.
  yield* lockRetry.ops(chain.id)
  const current = yield* getRetry.ops(chain.id)
  if (!current || !isOpen(current.status) || (yield* unsettledAttempt.ops(chain.id))) return null
  const seq = (yield* attemptsOf.ops(chain.id)).length + 1
  const request = retryRequest(chain, target, seq, slot)
  const attempt = yield* insertAttempt.ops({
    retryId: chain.id,
    seq,
    slot,
    provider: target.provider.id,
    route: target.route,
    routeReason: target.reason,
    methodRef: target.methodRef,
    idempotencyKey: request.idempotencyKey,
    requestJson: JSON.stringify(request),
    now: at,
  })
  yield* moveChain.ops(
    chain,
    {
      status: 'resolving',
      at: Date.parse(at) + recheckDelay(0),
      reason: `retry ${slot} sent to ${target.provider.id}`,
    },
    {attempt, learned: null, deps, now: at, slotsUsed: slot},
  )
  yield* appendAudit.ops({
    actor: deps.actor,
    action: 'retry.attempt',
    provider: target.provider.id,
    subject: chain.txnId,
    outcome: 'ok',
    details: {
      retry: chain.id,
      attempt: slot,
      seq,
      route: target.route,
      reason: target.reason,
      key: request.idempotencyKey,
    },
  })
  return attempt
}
