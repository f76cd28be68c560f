import {YmsError} from '../../core/errors.js'
import type {LedgerHandle} from '../../store/ops/ledger-handle.js'
import {type Ops, value} from '../../store/ops/op.js'
import {pgConnectionError} from '../../store/pg/connection-errors.js'
import {PG_LATEST_VERSION} from '../../store/pg/migrations/index.js'
import {upgradeAdvice} from '../../store/upgrade-advice.js'
import {verifyAudit} from '../audit.js'
import {fail, notApplicable, ok, warn, type DoctorCheck} from './check.js'
import {auditCheck} from './ledger-checks.js'

/** A ledger in PostgreSQL, as the doctor is given it: the handle, and `user@host:port/database` for messages. */
export interface PgDoctorLedger {
  handle: LedgerHandle
  label: string
}

/** SQLite's file checks, by the names they have on a SQLite home: what a script reading `--json` looks for. */
const FILE_CHECKS = ['home', 'home-permissions', 'side-files', 'file-permissions', 'home-writable', 'integrity']

/**
 * The doctor of a ledger in PostgreSQL: the file checks are SQLite's (the server keeps its own files, and checks
 * them with its own tools), so they are reported as not applicable rather than faked; what applies is checked: the
 * server answers, the schema version, and the audit hash chain. `ledger` is false when the server did not answer or
 * its schema is not this yms-pay's, so nothing further is read.
 */
export async function checkPgLedger(pg: PgDoctorLedger): Promise<{checks: DoctorCheck[]; ledger: boolean}> {
  const checks = FILE_CHECKS.map((check) =>
    notApplicable(
      check,
      `the ledger is in PostgreSQL (${pg.label}): SQLite's file checks do not apply; the server's own tools check its files (pg_amcheck, data checksums)`,
    ),
  )
  let version: number
  try {
    const server = await pg.handle.read(value<string>("SELECT current_setting('server_version')"))
    checks.push(ok('server', `PostgreSQL ${server ?? '(version unknown)'} at ${pg.label} answers`))
    version = await pg.handle.read(schemaVersion())
  } catch (error) {
    const typed = error instanceof YmsError ? error : pgConnectionError(error, pg.label)
    if (typed === undefined) throw error
    checks.push(fail('server', typed.message, typed.hint))
    return {checks, ledger: false}
  }
  checks.push(schemaCheck(version))
  if (version !== PG_LATEST_VERSION) return {checks, ledger: false}
  checks.push(auditCheck(await pg.handle.read(verifyAudit.ops())))
  return {checks, ledger: true}
}

/** yms_schema's version, 0 for a database yms-pay never migrated (as the migration runner reads it). */
function* schemaVersion(): Ops<number> {
  const present = yield* value<boolean>("SELECT to_regclass('yms_schema') IS NOT NULL")
  if (!present) return 0
  return Number((yield* value<number>('SELECT version FROM yms_schema WHERE id = 1')) ?? 0)
}

function schemaCheck(version: number): DoctorCheck {
  if (version === PG_LATEST_VERSION) return ok('schema', `schema version ${version} (current)`)
  if (version < PG_LATEST_VERSION) {
    return warn(
      'schema',
      `schema version ${version}, older than this yms-pay's ${PG_LATEST_VERSION}`,
      'The next command that opens the ledger upgrades it (make a backup first: `pg_dump --format=custom`).',
    )
  }
  return fail(
    'schema',
    `schema version ${version}, newer than this yms-pay supports (${PG_LATEST_VERSION}): it was written by a newer yms-pay`,
    `To use it, ${upgradeAdvice()}.`,
  )
}
