import {postingDifference, targetPositions} from '../../src/core/ledger.js'
import type {LedgerHandle} from '../../src/store/ops/ledger-handle.js'
import {all, type Ops} from '../../src/store/ops/op.js'
import {postedPositions, postingKeyOf} from '../../src/store/repos/ledger.js'

/**
 * What must hold of a ledger however many hosts wrote it, read through a handle (either engine): each is empty, or
 * equal to what the scenario alone gives, when the ledger is right.
 */

/** Each account's sum per currency (zero sums left out): "account|currency" -> minor units. */
export function* accountSums(): Ops<Record<string, number>> {
  const rows = yield* all<{account: string; currency: string; minor: number | bigint | string}>(
    'SELECT account, currency, SUM(amount_minor) AS minor FROM ledger_postings GROUP BY account, currency HAVING SUM(amount_minor) != 0 ORDER BY account, currency',
  )
  return Object.fromEntries(rows.map((r) => [`${r.account}|${r.currency}`, Number(r.minor)]))
}

/** Posting sets (a transaction's version) that do not sum to zero in some currency. */
export function* unbalancedSets(): Ops<unknown[]> {
  return yield* all(
    'SELECT txn_id, version, currency FROM ledger_postings GROUP BY txn_id, version, currency HAVING SUM(amount_minor) != 0',
  )
}

/** Running balances that differ from the sum of their postings (writers on several hosts racing the trigger). */
export function* driftedBalances(): Ops<unknown[]> {
  return yield* all(
    `SELECT b.account, b.currency, b.site, b.minor, p.minor AS posted FROM ledger_balances b
       LEFT JOIN (SELECT account, currency, COALESCE(site, '') AS site, SUM(amount_minor) AS minor FROM ledger_postings
                  GROUP BY account, currency, COALESCE(site, '')) p
         ON p.account = b.account AND p.currency = b.currency AND p.site = b.site
      WHERE b.minor != COALESCE(p.minor, 0)`,
  )
}

/**
 * Transactions whose postings do not sum to exactly the target of their final state: a version posted twice, or
 * lost, leaves a difference.
 */
export function offTarget(
  ledger: LedgerHandle,
  stored: ReadonlyArray<{txn: Parameters<typeof targetPositions>[0] & {id: string}; customerId: string | null}>,
): Promise<string[]> {
  return ledger.read(
    (function* () {
      const off: string[] = []
      for (const r of stored) {
        const posted = yield* postedPositions.ops(yield* postingKeyOf.ops(r.txn.id))
        if (postingDifference(targetPositions(r.txn, r.customerId!), posted.lines).length > 0) off.push(r.txn.id)
      }
      return off
    })(),
  )
}
