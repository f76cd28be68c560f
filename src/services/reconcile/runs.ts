import type {AppContext} from '../../app/context.js'
import {UsageError} from '../../core/errors.js'
import type {Db} from '../../store/db.js'
import {getExceptions, getRun, listRuns, resolveException} from '../../store/repos/reconcile-runs.js'
import {appendAudit} from '../audit.js'
import {refuseUnknownFilterNames} from '../filter-names.js'
import type {ExceptionView, ReconcileResult} from './result.js'

export interface RunListItem {
  runId: number
  site: string
  at: string
  actor: string
  from: string | null
  to: string | null
  providers: string[]
  tolerance: string
  exceptions: number
  /** Open when the run ended. */
  open: number
}

export function listReconcileRuns(db: Db, filter: {site?: string; limit?: number}): RunListItem[] {
  const runs = listRuns(db, {site: filter.site, limit: filter.limit ?? 20})
  refuseUnknownFilterNames(db, runs.length, {site: filter.site})
  return runs.map((r) => ({
    runId: r.id,
    site: r.site,
    at: r.at,
    actor: r.actor,
    from: r.from,
    to: r.to,
    providers: r.providers,
    tolerance: r.tolerance,
    exceptions: r.exceptions,
    open: r.openExceptions,
  }))
}

/** A stored run as it printed it; each exception with its status now, flagged when its facts changed since. */
export interface ShownRun extends ReconcileResult {
  exceptions: Array<ExceptionView & {changedSince: boolean}>
}

export function showReconcileRun(db: Db, runId: number): ShownRun {
  const run = getRun(db, runId)
  if (!run) throw new UsageError(`no reconcile run ${runId}`, 'List them with `yms-pay reconcile list`.')
  const stored = getExceptions(
    db,
    run.found.map(([id]) => id),
  )
  const exceptions = run.found.map(([id, digest]) => {
    const e = stored.get(id)!
    const detail = JSON.parse(e.detailJson) as Omit<ExceptionView, 'id' | 'status' | 'resolution' | 'invoice'>
    return {
      id,
      class: detail.class,
      ...(detail.invoices[0] === undefined ? {} : {invoice: detail.invoices[0]}),
      invoices: detail.invoices,
      transactions: detail.transactions,
      expected: detail.expected,
      actual: detail.actual,
      note: detail.note,
      status: e.status,
      resolution: e.status === 'resolved' ? {by: e.resolvedBy ?? '', note: e.resolutionNote ?? ''} : null,
      changedSince: e.factsSha256 !== digest,
    }
  })
  const summary = JSON.parse(run.summaryJson) as Omit<ReconcileResult, 'runId' | 'exceptions'>
  return {runId: run.id, ...summary, exceptions}
}

export interface Resolution {
  id: string
  class: string
  site: string
  status: 'resolved'
  resolvedBy: string
  resolvedAt: string
  note: string
}

/** Marks an exception resolved (audited with the actor); it stays resolved until its facts change. */
export function resolveReconcileException(db: Db, ctx: AppContext, id: string, note: string): Resolution {
  const text = note.trim()
  if (text === '') throw new UsageError('--note must say why the exception is resolved')
  const at = new Date(ctx.now()).toISOString()
  return db.write(() => {
    const existing = getExceptions(db, [id]).get(id)
    if (!existing)
      throw new UsageError(`no reconcile exception ${id}`, 'Exception ids are printed by `yms-pay reconcile`.')
    resolveException(db, id, {actor: ctx.actor, note: text, at})
    appendAudit(db, {
      actor: ctx.actor,
      action: 'reconcile.resolve',
      subject: id,
      outcome: 'ok',
      details: {site: existing.site, class: existing.class, note: text, facts: existing.factsSha256},
    })
    return {
      id,
      class: existing.class,
      site: existing.site,
      status: 'resolved',
      resolvedBy: ctx.actor,
      resolvedAt: at,
      note: text,
    }
  })
}
