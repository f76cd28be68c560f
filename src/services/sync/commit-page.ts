import type {Page} from '../../gateways/types.js'
import type {GatewayCall} from '../../core/gateway-call.js'
import {dual} from '../../store/ops/dual.js'
import {type Ops, write} from '../../store/ops/op.js'
import {renewLease} from '../../store/repos/leases.js'
import {addRunCounts, recordCalls, saveCursor} from '../../store/repos/sync-state.js'
import {appendAudit} from '../audit.js'
import {applyItems, type ApplyCounts, type SerializedSkipped, type SerializedTxn} from './apply.js'
import type {ApplyScope} from './scope.js'

export interface PageCommit {
  page: Pick<Page, 'invalid' | 'next'> & {items: readonly SerializedTxn[]; skipped?: readonly SerializedSkipped[]}
  pageNo: number
  calls: GatewayCall[]
}

export interface RunRef {
  runId: number
  /** heldSince: when the run took its lease (its acquiredAt): a page is refused once the lease lapsed, even if retaken. */
  lease: {name: string; owner: string; ttlMs: number; heldSince?: string}
}

/**
 * One page in ONE immediate transaction: the renewed lease, its transactions, postings, quarantine, skipped objects,
 * call log, run counts, audit row and the cursor that follows it. A crash before the commit repeats this page; after,
 * never. When the run's lease expired and another host took it, nothing is written (LeaseHeldError, exit 75): that
 * host resumes from the last committed cursor, and this page committed too would move the cursor under it.
 * `commitPage(db, …)` is the SQLite writer thread's, synchronous; `commitPage.ops(…)` the same body for a handle.
 */
export const commitPage = dual(function* commitPage(
  scope: ApplyScope,
  run: RunRef,
  commit: PageCommit,
): Ops<ApplyCounts> {
  return yield* write(
    (function* () {
      // First: on PostgreSQL the lease row then stays locked to the commit, so it cannot be taken meanwhile.
      yield* renewLease.ops(run.lease.name, run.lease.owner, run.lease.ttlMs, run.lease.heldSince)
      const counts = yield* applyItems.ops(scope, commit.page.items, commit.page.invalid, commit.page.skipped)
      yield* saveCursor.ops(scope.provider, commit.page.next)
      yield* recordCalls.ops(commit.calls)
      yield* addRunCounts.ops(run.runId, {pages: 1, ...counts})
      yield* appendAudit.ops({
        actor: scope.actor,
        action: 'sync.page',
        provider: scope.provider,
        subject: `page ${commit.pageNo}`,
        outcome: 'ok',
        details: counts,
      })
      return counts
    })(),
  )
})
