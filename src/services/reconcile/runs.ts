import type {AppContext} from '../../app/context.js'
import {UsageError} from '../../core/errors.js'
import {dual} from '../../store/ops/dual.js'
import {type Ops, write} from '../../store/ops/op.js'
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

export const listReconcileRuns = dual(function* listReconcileRuns(filter: {
  site?: string
  limit?: number
}): Ops<RunListItem[]> {
  const runs = yield* listRuns.ops({site: filter.site, limit: filter.limit ?? 20})
  yield* refuseUnknownFilterNames.ops(runs.length, {site: filter.site})
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
})

/** A stored run as it printed it; each exception with its status now, flagged when its facts changed since. */
export interface ShownRun extends ReconcileResult {
  exceptions: Array<ExceptionView & {changedSince: boolean}>
}

export const showReconcileRun = dual(function* showReconcileRun(runId: number): Ops<ShownRun> {
  const run = yield* getRun.ops(runId)
  if (!run) throw new UsageError(`no reconcile run ${runId}`, 'List them with `yms-pay reconcile list`.')
  const stored = yield* getExceptions.ops(run.found.map(([id]) => id))
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
})

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
export const resolveReconcileException = dual(function* resolveReconcileException(
  ctx: AppContext,
  id: string,
  note: string,
): Ops<Resolution> {
  const text = note.trim()
  if (text === '') throw new UsageError('--note must say why the exception is resolved')
  const at = new Date(ctx.now()).toISOString()
  return yield* write(
    (function* (): Ops<Resolution> {
      const existing = (yield* getExceptions.ops([id])).get(id)
      if (!existing)
        throw new UsageError(`no reconcile exception ${id}`, 'Exception ids are printed by `yms-pay reconcile`.')
      yield* resolveException.ops(id, {actor: ctx.actor, note: text, at})
      yield* appendAudit.ops({
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
    })(),
  )
})
