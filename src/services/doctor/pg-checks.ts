import type {AppContext} from '../../app/context.js'
import {noPgLedger} from '../../app/home-policy.js'
import {YmsError} from '../../core/errors.js'
import {rememberSecret} from '../../secrets/index.js'
import {type LedgerHandle, storeHandle} from '../../store/ops/ledger-handle.js'
import {type Ops, value} from '../../store/ops/op.js'
import {pgConnection} from '../../store/pg/connection.js'
import {pgConnectionError} from '../../store/pg/connection-errors.js'
import {PG_LATEST_VERSION} from '../../store/pg/migrations/index.js'
import {pgStore} from '../../store/seam/pg-store.js'
import {upgradeAdvice} from '../../store/upgrade-advice.js'
import {verifyAudit} from '../audit.js'
import {fail, notApplicable, ok, type DoctorCheck} from './check.js'
import {auditCheck, schemaVersionCheck} from './ledger-checks.js'

/** A ledger in PostgreSQL, as the doctor is given it: the handle, and `user@host:port/database` for messages. */
export interface PgDoctorLedger {
  handle: LedgerHandle
  label: string
}

/**
 * The PostgreSQL ledger a URL names, opened as found: unlike a command's ledger it is neither migrated nor refused
 * here, so the doctor changes nothing and reports what it finds (an older schema, no ledger at all). The pool
 * connects at the first read, whose failure is the `server` check's. Errors name `user@host:port/database`.
 */
export function inspectPgLedger(
  url: string,
  source: string,
  ctx: Pick<AppContext, 'env' | 'now'>,
): PgDoctorLedger & {close(): Promise<void>} {
  rememberSecret(ctx.env.PGPASSWORD)
  const {config, label} = pgConnection(url, ctx.env, source)
  const store = pgStore(config)
  const handle = storeHandle(store, ctx.now)
  const mapped = <T>(work: Promise<T>): Promise<T> =>
    work.catch((error: unknown) => {
      throw pgConnectionError(error, label) ?? error
    })
  return {
    handle: {
      engine: handle.engine,
      read: (body) => mapped(handle.read(body)),
      write: (body) => mapped(handle.write(body)),
    },
    label,
    close: () => store.close(),
  }
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
  let found: {server: string | undefined; version: number}
  try {
    found = await pg.handle.read(
      (function* () {
        const server = yield* value<string>("SELECT current_setting('server_version')")
        return {server, version: yield* schemaVersion()}
      })(),
    )
  } catch (error) {
    const typed = error instanceof YmsError ? error : pgConnectionError(error, pg.label)
    if (typed === undefined) throw error
    checks.push(fail('server', typed.message, typed.hint))
    return {checks, ledger: false}
  }
  const {server, version} = found
  checks.push(ok('server', `PostgreSQL ${server ?? '(version unknown)'} at ${pg.label} answers`))
  checks.push(schemaCheck(version, pg.label))
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

function schemaCheck(version: number, label: string): DoctorCheck {
  if (version === 0) {
    const {message, hint} = noPgLedger(label)
    return fail('schema', message, hint)
  }
  return schemaVersionCheck(version, PG_LATEST_VERSION, {
    older: 'The next command that opens the ledger upgrades it (make a backup first: `pg_dump --format=custom`).',
    newer: `To use it, ${upgradeAdvice()}.`,
  })
}
