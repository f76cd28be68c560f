import type {AppContext} from '../../app/context.js'
import {toErrorReport} from '../../app/error-report.js'
import {isOpen} from '../../core/retry/policy.js'
import {scrubSecrets} from '../../secrets/index.js'
import type {LedgerHandle} from '../../store/ops/ledger-handle.js'
import {now} from '../../store/ops/op.js'
import {dueRetries, getRetry, type RetryRow} from '../../store/repos/retries.js'
import {unsettledAttempt} from '../../store/repos/retries-attempts.js'
import {recordCalls} from '../../store/repos/sync-state.js'
import {refuseUnknownFilterNames} from '../filter-names.js'
import {attemptChain, type AttemptDeps} from './attempt.js'
import {runConnections, type ConnectionOptions, type RunConnections} from './connections.js'
import {takeRetryLease} from './lease.js'
import {planChain} from './plan.js'
import {resolveChain} from './resolve.js'
import type {RaiseAlert} from './settle.js'
import type {ChainTurn, RetryTurn} from './turn.js'

export interface RetryRunOptions {
  /** Only chains whose failed payment came from these providers. */
  providers?: string[]
  /** Say what is due and where it would go; send nothing, change nothing. */
  dryRun?: boolean
  signals?: {stop: AbortSignal; abort: AbortSignal}
  raise?: RaiseAlert
  http?: ConnectionOptions['http']
  connect?: ConnectionOptions['connect']
}

export type {RetryTurn} from './turn.js'

export interface RetryRunResult {
  status: 'ok' | 'skipped_locked' | 'stopped'
  dryRun: boolean
  /** Chains looked at. */
  due: number
  /** Requests sent (or re-sent to learn an outcome). */
  sent: number
  recovered: number
  /** Chains still waiting for an attempt's outcome. */
  unresolved: number
  exhausted: number
  errors: number
  lockedBy?: string
  turns: RetryTurn[]
}

const BATCH = 50

/**
 * `retry run` (cron) and each turn of the watch loop: settle what is unsettled, then send what is due, one chain at a
 * time, under the retry lease. A chain's failure to proceed (a gateway refusing, a missing secret) is reported in its
 * turn and never stops the others.
 */
export async function runRetries(
  ledger: LedgerHandle,
  ctx: AppContext,
  opts: RetryRunOptions = {},
): Promise<RetryRunResult> {
  const providers = await checkProviders(ledger, opts.providers)
  if (opts.dryRun) return summarize('ok', true, await plan(ledger, ctx, providers, opts.connect))
  const held = await takeRetryLease(ledger)
  if ('heldBy' in held) return {...summarize('skipped_locked', false, []), lockedBy: held.heldBy}
  const turns: RetryTurn[] = []
  const seen = new Set<number>()
  let status: RetryRunResult['status'] = 'ok'
  let conns: RunConnections | undefined
  try {
    conns = await runConnections(ledger, ctx, {http: opts.http, signal: opts.signals?.abort, connect: opts.connect})
    const deps: AttemptDeps = {actor: ctx.actor, raise: opts.raise, conns, signal: opts.signals?.abort}
    for (;;) {
      const listed = await ledger.read(
        (function* () {
          return yield* dueRetries.ops(yield* now(), providers, BATCH)
        })(),
      )
      const due = listed.filter((c) => !seen.has(c.id))
      if (due.length === 0) break
      for (const chain of due) {
        if (opts.signals?.stop.aborted || !(await held.lease.renew())) {
          status = 'stopped'
          break
        }
        seen.add(chain.id)
        turns.push(await turn(ledger, chain, deps))
      }
      if (status === 'stopped') break
    }
  } finally {
    if (conns) {
      const calls = conns.drainCalls()
      await ledger.write(() => recordCalls.ops(calls))
    }
    await held.lease.release()
  }
  return summarize(status, false, turns)
}

/** One chain: whatever is unsettled first; a chain looked at since it was listed is left to its next turn. */
async function turn(ledger: LedgerHandle, listed: RetryRow, deps: AttemptDeps): Promise<RetryTurn> {
  const {chain, at} = await ledger.read(
    (function* () {
      return {chain: yield* getRetry.ops(listed.id), at: yield* now()}
    })(),
  )
  if (!chain || !isOpen(chain.status) || chain.nextAt === null || chain.nextAt > at)
    return {...noTurn(listed), action: 'resolved', note: 'settled meanwhile', status: chain?.status ?? null}
  let done: ChainTurn
  try {
    const open = await ledger.read(unsettledAttempt.ops(chain.id))
    done = open ? await resolveChain(ledger, chain, open, deps) : await attemptChain(ledger, chain, deps)
  } catch (error) {
    done = {...noTurn(chain), action: 'error', note: scrubSecrets(toErrorReport(error).message)}
  }
  return {...done, status: (await ledger.read(getRetry.ops(chain.id)))?.status ?? null}
}

function noTurn(chain: RetryRow): Omit<ChainTurn, 'action' | 'note'> {
  return {retry: chain.id, payment: chain.txnId, provider: null, route: null, attempt: null, outcome: null}
}

async function plan(
  ledger: LedgerHandle,
  ctx: AppContext,
  providers: string[] | null,
  connect: ConnectionOptions['connect'],
): Promise<RetryTurn[]> {
  const conns = await runConnections(ledger, ctx, {probe: false, connect})
  const due = await ledger.read(
    (function* () {
      return yield* dueRetries.ops(yield* now(), providers, 10_000)
    })(),
  )
  const turns: RetryTurn[] = []
  for (const chain of due) turns.push(await planChain(ledger, chain, conns))
  return turns
}

async function checkProviders(ledger: LedgerHandle, ids: readonly string[] | undefined): Promise<string[] | null> {
  if (!ids || ids.length === 0) return null
  // Removing a provider cancels its open chains, so nothing can be due for a name no connection has: a typo, even
  // one with history.
  await ledger.read(
    (function* () {
      for (const id of ids) yield* refuseUnknownFilterNames.ops(0, {provider: id})
    })(),
  )
  return [...ids]
}

function summarize(status: RetryRunResult['status'], dryRun: boolean, turns: RetryTurn[]): RetryRunResult {
  const count = (pred: (t: RetryTurn) => boolean) => turns.filter(pred).length
  return {
    status,
    dryRun,
    due: turns.length,
    sent: count((t) => t.action === 'sent' && t.outcome !== 'not_sent'),
    recovered: count((t) => !dryRun && t.status === 'recovered'),
    unresolved: count((t) => !dryRun && t.status === 'resolving'),
    exhausted: count((t) => !dryRun && (t.status === 'exhausted' || t.status === 'stopped')),
    errors: count((t) => t.action === 'error'),
    turns,
  }
}
