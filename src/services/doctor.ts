import type {AppContext} from '../app/context.js'
import {describeHome} from '../app/home.js'
import {sqliteHandle} from '../store/ops/ledger-handle.js'
import type {DoctorCheck} from './doctor/check.js'
import {checkHome} from './doctor/home-checks.js'
import {checkLedger} from './doctor/ledger-checks.js'
import {checkPgLedger, type PgDoctorLedger} from './doctor/pg-checks.js'

export {inspectPgLedger} from './doctor/pg-checks.js'
import {checkKeychain, checkProviderSecrets} from './doctor/secret-checks.js'

export type {DoctorCheck} from './doctor/check.js'
export type {PgDoctorLedger} from './doctor/pg-checks.js'

export interface DoctorReport {
  /** What was checked: the home (SQLite), or the ledger's `user@host:port/database` (PostgreSQL). */
  home: string
  ok: boolean
  /** `n/a` checks (SQLite's file checks of a ledger in PostgreSQL) count in none of these. */
  counts: {ok: number; warn: number; fail: number}
  checks: DoctorCheck[]
}

/**
 * Everything an admin checks before trusting a home, without changing it: the directory and its permissions,
 * side files, the schema version, SQLite's integrity check, the audit chain, the keychain and every provider's
 * secrets. Checks that cannot run (no ledger, a damaged one) are left out, the failure that stopped them says why.
 * With `postgres`, the ledger is that database: its file checks are not applicable, and the server, the schema,
 * the audit chain, the keychain and the secrets are checked through the handle.
 */
export async function runDoctor(ctx: AppContext, opts: {postgres?: PgDoctorLedger} = {}): Promise<DoctorReport> {
  const checks: DoctorCheck[] = []
  if (opts.postgres) {
    const found = await checkPgLedger(opts.postgres)
    checks.push(...found.checks)
    if (found.ledger) checks.push(checkKeychain(), ...(await checkProviderSecrets(opts.postgres.handle, ctx)))
    return report(opts.postgres.label, checks)
  }
  const home = checkHome(ctx.home)
  checks.push(...home.checks)
  if (home.ledger) {
    const ledger = checkLedger(ctx.home.dbFile)
    checks.push(...ledger.checks)
    if (ledger.db) {
      try {
        checks.push(checkKeychain(), ...(await checkProviderSecrets(sqliteHandle(ledger.db), ctx)))
      } finally {
        ledger.db.close()
      }
    }
  }
  return report(describeHome(ctx.home), checks)
}

function report(home: string, checks: DoctorCheck[]): DoctorReport {
  const count = (status: DoctorCheck['status']) => checks.filter((c) => c.status === status).length
  const counts = {ok: count('ok'), warn: count('warn'), fail: count('fail')}
  return {home, ok: counts.fail === 0, counts, checks}
}
