import type {Page} from '../../gateways/types.js'
import type {GatewayCall} from '../../core/gateway-call.js'
import type {Db} from '../../store/db.js'
import {acquireLease} from '../../store/repos/leases.js'
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
  lease: {name: string; owner: string; ttlMs: number}
}

/**
 * One page in ONE immediate transaction: its transactions, postings, quarantine, skipped objects, call log, run
 * counts, audit row, the renewed lease and the cursor that follows it. A crash before the commit repeats this page; after, never.
 */
export function commitPage(db: Db, scope: ApplyScope, run: RunRef, commit: PageCommit): ApplyCounts {
  return db.write(() => {
    const counts = applyItems(db, scope, commit.page.items, commit.page.invalid, commit.page.skipped)
    saveCursor(db, scope.provider, commit.page.next)
    recordCalls(db, commit.calls)
    addRunCounts(db, run.runId, {pages: 1, ...counts})
    appendAudit(db, {
      actor: scope.actor,
      action: 'sync.page',
      provider: scope.provider,
      subject: `page ${commit.pageNo}`,
      outcome: 'ok',
      details: counts,
    })
    acquireLease(db, run.lease.name, run.lease.owner, run.lease.ttlMs)
    return counts
  })
}
