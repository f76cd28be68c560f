import {postingDifference, targetPositions} from '../../core/ledger.js'
import type {NormalizedTxn} from '../../core/transaction.js'
import {dual} from '../../store/ops/dual.js'
import type {Owner} from '../../store/repos/customers.js'
import {insertFirstPostings, insertPostings, postedPositions} from '../../store/repos/ledger.js'

/**
 * Posts the difference between the new state's effect and what earlier versions posted; returns the lines
 * written. `owner` is null for a merchant-level booking: its postings name no customer and no site.
 */
export const postTxn = dual(function* postTxn(w: {
  txn: NormalizedTxn
  seq: number
  owner: Owner | null
  version: number
  seenBefore: boolean
  now: string
}) {
  const {txn, owner} = w
  const target = targetPositions(txn, owner?.customerId ?? null)
  const key = {seq: w.seq, id: txn.id}
  const meta = {provider: txn.provider, site: owner?.siteId ?? null, customer: owner?.customerId ?? null}
  // A transaction never seen before has posted nothing yet: no need to ask the ledger, nor for what was written.
  if (!w.seenBefore) return yield* insertFirstPostings.ops(key, w.version, postingDifference(target, []), meta, w.now)
  const posted = yield* postedPositions.ops(key)
  const diff = postingDifference(target, posted.lines)
  if (diff.length === 0) return 0
  return yield* insertPostings.ops(key, Math.max(w.version, posted.lastVersion + 1), diff, meta, w.now)
})
