import {YmsError} from '../../core/errors.js'
import {openDatabase, userVersion, type Db} from '../../store/db.js'
import {checkIntegrity} from '../../store/integrity.js'
import {LATEST_VERSION} from '../../store/migrations/index.js'
import {damaged} from '../../store/storage-errors.js'
import {upgradeAdvice} from '../../store/upgrade-advice.js'
import {verifyAudit, type VerifyResult} from '../audit.js'
import {fail, ok, warn, type DoctorCheck} from './check.js'
import {fromError} from './home-checks.js'

/**
 * The checks that read the ledger, opened read-only as found (no migration): schema version, SQLite's full
 * integrity check, and the audit hash chain. Returns the open database when the rest of the doctor may use it
 * (current schema, intact file), else undefined; the caller closes it.
 */
export function checkLedger(file: string): {checks: DoctorCheck[]; db?: Db} {
  let db: Db
  try {
    db = openDatabase(file, {inspect: true})
  } catch (error) {
    if (error instanceof YmsError) return {checks: [fromError('integrity', error)]}
    throw error
  }
  const checks: DoctorCheck[] = []
  try {
    const version = userVersion(db.raw)
    checks.push(schemaCheck(version))
    const integrity = checkIntegrity(db.raw, {limit: 20})
    if (!integrity.ok) {
      const error = damaged(file, `integrity_check: ${integrity.problems.join('; ')}`)
      checks.push(fail('integrity', error.message, error.hint))
      db.close()
      return {checks}
    }
    checks.push(ok('integrity', `integrity_check passed (${integrity.durationMs} ms)`))
    if (version !== LATEST_VERSION) {
      db.close()
      return {checks}
    }
    checks.push(auditCheck(verifyAudit(db)))
    return {checks, db}
  } catch (error) {
    db.close()
    if (error instanceof YmsError) return {checks: [...checks, fromError('integrity', error)]}
    throw error
  }
}

function schemaCheck(version: number): DoctorCheck {
  return schemaVersionCheck(version, LATEST_VERSION, {
    older: 'The next command that opens the home writable upgrades it (make a backup first: `yms-pay backup <file>`).',
    newer: `To use it, ${upgradeAdvice()}; or point --home (or YMS_PAY_HOME) at another data directory.`,
  })
}

/** The ledger's schema version against the code's, on either engine; `hints` say what to do about each mismatch. */
export function schemaVersionCheck(
  version: number,
  latest: number,
  hints: {older: string; newer: string},
): DoctorCheck {
  if (version === latest) return ok('schema', `schema version ${version} (current)`)
  if (version < latest)
    return warn('schema', `schema version ${version}, older than this yms-pay's ${latest}`, hints.older)
  return fail(
    'schema',
    `schema version ${version}, newer than this yms-pay supports (${latest}): it was written by a newer yms-pay`,
    hints.newer,
  )
}

/** The audit hash chain as verifyAudit found it, on either engine. */
export function auditCheck(result: VerifyResult): DoctorCheck {
  if (result.ok) return ok('audit-chain', `audit hash chain intact (${result.rows} rows)`)
  return fail(
    'audit-chain',
    `audit hash chain broken at row seq ${result.seq}: ${result.reason}`,
    'Someone changed the audit log behind yms-pay: compare with a backup (`yms-pay audit list`, `audit export`) to see what.',
  )
}
