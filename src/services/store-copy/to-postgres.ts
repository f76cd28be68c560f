import type {AppContext} from '../../app/context.js'
import {rememberSecret, scrubSecrets} from '../../secrets/index.js'
import type {Db} from '../../store/db.js'
import {LATEST_VERSION} from '../../store/migrations/index.js'
import {pgConnection, type PgLocation} from '../../store/pg/connection.js'
import {pgConnectionError} from '../../store/pg/connection-errors.js'
import {preparePgLedger} from '../../store/pg/prepare.js'
import {pgStore} from '../../store/seam/pg-store.js'
import {sqliteStore} from '../../store/seam/sqlite-store.js'
import {appendAudit} from '../audit.js'
import {copyStore, type CopyProgress, type StoreCopyResult} from './copy.js'

export interface StoreCopyView extends StoreCopyResult {
  direction: 'sqlite-to-postgres'
  source: {kind: 'sqlite'; file: string}
  target: {kind: 'postgres'} & PgLocation
  schemaVersion: number
  durationMs: number
}

/**
 * `yms-pay store copy --to <url>`: the home's SQLite ledger into an empty PostgreSQL database (copy.ts does the
 * copy and its checks), migrated first with the PostgreSQL runner, and the copy audited in the source, whose log
 * is the one that goes on being written until the user switches over (done or failed, never with credentials).
 */
export async function copyLedgerToPostgres(
  db: Db,
  ctx: AppContext,
  url: string,
  progress?: (p: CopyProgress) => void,
): Promise<StoreCopyView> {
  rememberSecret(ctx.env.PGPASSWORD)
  const connection = pgConnection(url, ctx.env)
  const {location, label} = connection
  const started = performance.now()
  const audit = (outcome: 'ok' | 'error', details: Record<string, unknown>) =>
    appendAudit(db, {
      actor: ctx.actor,
      action: 'store.copy',
      subject: `postgres://${location.host}:${location.port}/${location.database}`,
      outcome,
      details: {target: {host: location.host, port: location.port, database: location.database}, ...details},
    })
  try {
    await preparePgLedger(connection.config, label, 'the target')
    const target = pgStore(connection.config)
    let result: StoreCopyResult
    try {
      // The seam over the command's Db; not closed here: the command closes its Db.
      result = await copyStore(sqliteStore(db), target, progress)
    } finally {
      await target.close()
    }
    const view: StoreCopyView = {
      direction: 'sqlite-to-postgres',
      source: {kind: 'sqlite', file: db.file},
      target: {kind: 'postgres', ...location},
      schemaVersion: LATEST_VERSION,
      ...result,
      durationMs: Math.round(performance.now() - started),
    }
    audit('ok', {storeId: result.storeId, tables: result.tables.length, rows: result.rows, checks: result.checks})
    return view
  } catch (error) {
    const reported = pgConnectionError(error, label) ?? error
    const e = reported as {code?: unknown; message?: string}
    try {
      audit('error', {code: typeof e.code === 'string' ? e.code : 'internal', error: scrubSecrets(e.message ?? '')})
    } catch (auditError) {
      // The copy's own error is what the user must see; the missing audit row is said beside it.
      ctx.warn(`the failed copy could not be recorded in the audit log: ${(auditError as Error).message}`)
    }
    throw reported
  }
}
