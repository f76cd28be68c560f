import type {AppContext} from '../app/context.js'
import {describeHome} from '../app/home.js'
import type {DoctorCheck} from './doctor/check.js'
import {checkHome} from './doctor/home-checks.js'
import {checkLedger} from './doctor/ledger-checks.js'
import {checkKeychain, checkProviderSecrets} from './doctor/secret-checks.js'

export type {DoctorCheck} from './doctor/check.js'

export interface DoctorReport {
  home: string
  ok: boolean
  counts: {ok: number; warn: number; fail: number}
  checks: DoctorCheck[]
}

/**
 * Everything an admin checks before trusting a home, without changing it: the directory and its permissions,
 * side files, the schema version, SQLite's integrity check, the audit chain, the keychain and every provider's
 * secrets. Checks that cannot run (no ledger, a damaged one) are left out, the failure that stopped them says why.
 */
export async function runDoctor(ctx: AppContext): Promise<DoctorReport> {
  const home = checkHome(ctx.home)
  const checks = [...home.checks]
  if (home.ledger) {
    const ledger = checkLedger(ctx.home.dbFile)
    checks.push(...ledger.checks)
    if (ledger.db) {
      try {
        checks.push(checkKeychain(), ...(await checkProviderSecrets(ledger.db, ctx)))
      } finally {
        ledger.db.close()
      }
    }
  }
  const count = (status: DoctorCheck['status']) => checks.filter((c) => c.status === status).length
  const counts = {ok: count('ok'), warn: count('warn'), fail: count('fail')}
  return {home: describeHome(ctx.home), ok: counts.fail === 0, counts, checks}
}
