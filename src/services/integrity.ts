import type {Db} from '../store/db.js'
import {checkIntegrity, type IntegrityResult} from '../store/integrity.js'
import {acquireLease, getLease} from '../store/repos/leases.js'
import {damaged} from '../store/storage-errors.js'

/**
 * How often a sync re-checks the ledger before writing to it. quick_check reads every page (measured on this
 * project's sync bench ledgers: 100k payments, 322 MB: 0.26-0.41 s with the file cached; 1M payments, 3.2 GB:
 * 2.8 s cached, 59 s from a cold cache), while a cron sync that finds nothing new takes about a second: checking
 * every run would multiply its cost and read the whole ledger every few minutes. Once a day bounds that to one
 * check a day; meanwhile SQLite still reports any damaged page a sync touches (a typed error, the transaction rolled
 * back), and what a sync writes can be fetched again from the gateways after a restore. `yms-pay doctor` and
 * `audit verify` run the full check whenever asked (e.g. from a daily cron job).
 */
export const QUICK_CHECK_INTERVAL_MS = 24 * 60 * 60_000
const QUICK_CHECK_LEASE = 'integrity:quick_check'

/** SQLite's integrity check; a damaged file is a typed error naming it, the first findings and what to do. */
export function assertIntact(db: Db, opts: {quick?: boolean} = {}): IntegrityResult {
  const result = checkIntegrity(db.raw, {quick: opts.quick, limit: 5})
  if (!result.ok)
    throw damaged(db.file, `${opts.quick ? 'quick_check' : 'integrity_check'}: ${result.problems.join('; ')}`)
  return result
}

/**
 * Before a sync writes: quick_check when the last passed check is older than QUICK_CHECK_INTERVAL_MS (recorded as a
 * lease, so concurrent syncs share it). Returns whether it checked.
 */
export function checkBeforeWriting(db: Db): boolean {
  const last = getLease(db, QUICK_CHECK_LEASE)
  if (last !== null && last.expiresAt > db.now()) return false
  assertIntact(db, {quick: true})
  acquireLease(db, QUICK_CHECK_LEASE, 'yms-pay', QUICK_CHECK_INTERVAL_MS)
  return true
}
