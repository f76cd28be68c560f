import {ChainVerifier} from '../../core/audit-chain.js'
import {ExitCode, YmsError} from '../../core/errors.js'
import {AUDIT_COLUMNS, type AuditRow, toRecord} from '../../store/repos/audit.js'
import type {Queryable} from '../../store/seam/store.js'
import type {Table} from './catalog.js'

/** What the checks on the target found; each one that fails throws CopyCheckError instead. */
export interface CopyChecks {
  /** Tables whose row count equals the source's: all of them. */
  rowCounts: number
  /** Audit rows whose chain verified, read back from the target. */
  auditChain: number
  /** Balances (account, currency, site) equal to the source's to the minor unit, and to the sum of their postings. */
  balances: number
}

/** A copy that does not match its source: nothing is committed. Exit 3, as for any failed check. */
export class CopyCheckError extends YmsError {
  constructor(message: string) {
    super(message, {
      exitCode: ExitCode.attention,
      code: 'copy_check_failed',
      hint: 'Nothing was committed: the target is as it was. Run `yms-pay audit verify` and `yms-pay doctor` on the source.',
    })
  }
}

/**
 * Reads the copy back from the target, inside the copy's transaction (a failure here rolls it all back), and
 * compares it with the source's snapshot: row counts per table, the audit chain (verified by the same code as
 * `audit verify`, over the target's rows), every balance with the source's, and every balance with its postings.
 */
export async function checkCopy(
  source: Queryable,
  target: Queryable,
  tables: readonly Table[],
  sourceCounts: ReadonlyMap<string, number>,
): Promise<CopyChecks> {
  for (const table of tables) {
    const found = await count(target, table.name)
    const expected = sourceCounts.get(table.name)
    if (found !== expected)
      throw new CopyCheckError(`${table.name}: ${found} rows in the target, ${expected} in the source`)
  }
  const chain = new ChainVerifier()
  for await (const row of target.iterate<AuditRow>(`SELECT ${AUDIT_COLUMNS} FROM audit_log ORDER BY seq`)) {
    const broken = chain.push(toRecord(row))
    if (broken) throw new CopyCheckError(`audit_log: the chain breaks at seq ${broken.seq}: ${broken.reason}`)
  }
  const audit = chain.result()
  return {rowCounts: tables.length, auditChain: audit.rows, balances: await checkBalances(source, target)}
}

type Balance = {account: string; currency: string; site: string; minor: number}

const BALANCES = 'SELECT account, currency, site, minor FROM ledger_balances ORDER BY account, currency, site'

// Keys with a balance or a posting whose two sums differ; a key missing on one side sums to 0 there.
const UNPOSTED = `
  SELECT account, currency, site, sum(minor) AS minor, sum(posted) AS posted FROM (
    SELECT account, currency, site, minor, 0 AS posted FROM ledger_balances
    UNION ALL
    SELECT account, currency, COALESCE(site, '') AS site, 0 AS minor, amount_minor AS posted FROM ledger_postings
  ) AS keyed
  GROUP BY account, currency, site HAVING sum(minor) <> sum(posted) ORDER BY account, currency, site LIMIT 1`

async function checkBalances(source: Queryable, target: Queryable): Promise<number> {
  const theirs = source.iterate<Balance>(BALANCES)[Symbol.asyncIterator]()
  let rows = 0
  try {
    for await (const mine of target.iterate<Balance>(BALANCES)) {
      const next = await theirs.next()
      const other = next.done ? undefined : next.value
      if (other === undefined || key(other) !== key(mine) || other.minor !== mine.minor) {
        throw new CopyCheckError(
          `ledger_balances: ${key(mine)} is ${mine.minor} minor units in the target, ${other && key(other) === key(mine) ? other.minor : 'absent'} in the source`,
        )
      }
      rows++
    }
  } finally {
    await theirs.return?.()
  }
  const off = await target.get<Balance & {posted: number}>(UNPOSTED)
  if (off !== undefined) {
    throw new CopyCheckError(
      `ledger_balances: ${key(off)} is ${off.minor} minor units, but its postings sum to ${off.posted}`,
    )
  }
  return rows
}

export async function count(q: Queryable, table: string): Promise<number> {
  return (await q.get<{n: number}>(`SELECT count(*) AS n FROM "${table}"`))!.n
}

function key(b: Pick<Balance, 'account' | 'currency' | 'site'>): string {
  return `account ${b.account} ${b.currency}${b.site === '' ? '' : ` at site ${b.site}`}`
}
