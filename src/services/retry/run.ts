import type {AppContext} from '../../app/context.js'
import {toErrorReport} from '../../app/error-report.js'
import {isOpen} from '../../core/retry/policy.js'
import {scrubSecrets} from '../../secrets/index.js'
import type {Db} from '../../store/db.js'
import {dueRetries, getRetry, type RetryRow} from '../../store/repos/retries.js'
import {unsettledAttempt} from '../../store/repos/retries-attempts.js'
import {recordCalls} from '../../store/repos/sync-state.js'
import {refuseUnknownFilterNames} from '../filter-names.js'
import {attemptChain, type AttemptDeps} from './attempt.js'
import {runConnections, type ConnectionOptions} from './connections.js'
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
export async function runRetries(db: Db, ctx: AppContext, opts: RetryRunOptions = {}): Promise<RetryRunResult> {
  const providers = checkProviders(db, opts.providers)
  if (opts.dryRun) return summarize('ok', true, await plan(db, ctx, providers, opts.connect))
  const held = takeRetryLease(db)
  if ('heldBy' in held) return {...summarize('skipped_locked', false, []), lockedBy: held.heldBy}
  const conns = runConnections(db, ctx, {http: opts.http, signal: opts.signals?.abort, connect: opts.connect})
  const deps: AttemptDeps = {actor: ctx.actor, raise: opts.raise, conns, signal: opts.signals?.abort}
  const turns: RetryTurn[] = []
  const seen = new Set<number>()
  let status: RetryRunResult['status'] = 'ok'
  try {
    for (;;) {
      const due = dueRetries(db, db.now(), providers, BATCH).filter((c) => !seen.has(c.id))
      if (due.length === 0) break
      for (const chain of due) {
        if (opts.signals?.stop.aborted || !held.lease.renew()) {
          status = 'stopped'
          break
        }
        seen.add(chain.id)
        turns.push(await turn(db, chain, deps))
      }
      if (status === 'stopped') break
    }
  } finally {
    db.write(() => recordCalls(db, conns.drainCalls()))
    held.lease.release()
  }
  return summarize(status, false, turns)
}

/** One chain: whatever is unsettled first; a chain looked at since it was listed is left to its next turn. */
async function turn(db: Db, listed: RetryRow, deps: AttemptDeps): Promise<RetryTurn> {
  const chain = getRetry(db, listed.id)
  if (!chain || !isOpen(chain.status) || chain.nextAt === null || chain.nextAt > db.now())
    return {...noTurn(listed), action: 'resolved', note: 'settled meanwhile', status: chain?.status ?? null}
  let done: ChainTurn
  try {
    const open = unsettledAttempt(db, chain.id)
    done = open ? await resolveChain(db, chain, open, deps) : await attemptChain(db, chain, deps)
  } catch (error) {
    done = {...noTurn(chain), action: 'error', note: scrubSecrets(toErrorReport(error).message)}
  }
  return {...done, status: getRetry(db, chain.id)?.status ?? null}
}

function noTurn(chain: RetryRow): Omit<ChainTurn, 'action' | 'note'> {
  return {retry: chain.id, payment: chain.txnId, provider: null, route: null, attempt: null, outcome: null}
}

async function plan(
  db: Db,
  ctx: AppContext,
  providers: string[] | null,
  connect: ConnectionOptions['connect'],
): Promise<RetryTurn[]> {
  const conns = runConnections(db, ctx, {probe: false, connect})
  const turns: RetryTurn[] = []
  for (const chain of dueRetries(db, db.now(), providers, 10_000)) turns.push(await planChain(db, chain, conns))
  return turns
}

function checkProviders(db: Db, ids: readonly string[] | undefined): string[] | null {
  if (!ids || ids.length === 0) return null
  // Removing a provider cancels its open chains, so nothing can be due for a name no connection has: a typo, even
  // one with history.
  for (const id of ids) refuseUnknownFilterNames(db, 0, {provider: id})
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
