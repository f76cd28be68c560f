import {createHash} from 'node:crypto'

import {dual} from '../../store/ops/dual.js'
import type {Ops} from '../../store/ops/op.js'
import {raiseAlert} from '../alerts/raise.js'
import type {ExceptionView} from './result.js'

/**
 * `reconcile_exceptions`: raised with the run that finds open exceptions (or a balance identity that does not hold),
 * in the run's own transaction. Keyed by the set of open exception ids, so a cron job reconciling every hour alerts
 * once per new situation, not once per run.
 */
export const raiseReconcileAlert = dual(function* raiseReconcileAlert(run: {
  runId: number
  site: string
  at: string
  identityHolds: boolean
  exceptions: readonly ExceptionView[]
}): Ops<void> {
  const open = run.exceptions.filter((e) => e.status === 'open')
  if (open.length === 0 && run.identityHolds) return
  const ids = open.map((e) => e.id).sort()
  const digest = createHash('sha256')
    .update(`${run.identityHolds}\n${ids.join('\n')}`)
    .digest('hex')
    .slice(0, 32)
  const byClass: Record<string, number> = {}
  for (const e of open) byClass[e.class] = (byClass[e.class] ?? 0) + 1
  yield* raiseAlert.ops({
    event: 'reconcile_exceptions',
    subject: `reconcile:${run.site}`,
    site: run.site,
    data: {run: run.runId, site: run.site, open: open.length, byClass, identityHolds: run.identityHolds},
    dedupKey: `reconcile_exceptions:${run.site}:${digest}`,
    at: run.at,
  })
})
