import type {Page} from '../../gateways/types.js'
import type {GatewayCall} from '../../core/gateway-call.js'
import {dual} from '../../store/ops/dual.js'
import {type Ops, write} from '../../store/ops/op.js'
import {renewLease} from '../../store/repos/leases.js'
import {addRunCounts, recordCalls, saveCursor} from '../../store/repos/sync-state.js'
import {appendAudits} from '../audit.js'
import {addCounts, applyPages, type ApplyCounts, type SerializedSkipped, type SerializedTxn} from './apply.js'
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
  return (yield* commitPages.ops(scope, run, [commit]))[0]!
})

/**
 * Consecutive pages in ONE transaction, as commitPage commits one: the cursor that follows the last, an audit row and
 * counts for each. A crash before the commit repeats them all; the cursor never passes a page that is not in. The
 * PostgreSQL page writer commits the pages that queued up behind a commit this way (page-writer.ts): a commit's
 * fixed cost (its round trips, the lease, the reads ahead, the audit head) is then paid once for them all.
 */
export const commitPages = dual(function* commitPages(
  scope: ApplyScope,
  run: RunRef,
  commits: readonly PageCommit[],
): Ops<ApplyCounts[]> {
  return yield* write(
    (function* () {
      // First: on PostgreSQL the lease row then stays locked to the commit, so it cannot be taken meanwhile.
      yield* renewLease.ops(run.lease.name, run.lease.owner, run.lease.ttlMs, run.lease.heldSince)
      const counts = yield* applyPages.ops(
        scope,
        commits.map((c) => c.page),
      )
      yield* saveCursor.ops(scope.provider, commits.at(-1)!.page.next)
      yield* recordCalls.ops(commits.length === 1 ? commits[0]!.calls : commits.flatMap((c) => c.calls))
      yield* addRunCounts.ops(run.runId, {pages: commits.length, ...counts.reduce(addCounts)})
      yield* appendAudits.ops(
        commits.map((c, i) => ({
          actor: scope.actor,
          action: 'sync.page',
          provider: scope.provider,
          subject: `page ${c.pageNo}`,
          outcome: 'ok',
          details: counts[i],
        })),
      )
      return counts
    })(),
  )
})
