import {hostname} from 'node:os'

import type {AppContext} from '../../app/context.js'
import {ConfigError, UsageError, YmsError} from '../../core/errors.js'
import {rememberSecret, scrubSecrets} from '../../secrets/index.js'
import type {Db} from '../../store/db.js'
import {LATEST_VERSION} from '../../store/migrations/index.js'
import {storeHandle} from '../../store/ops/ledger-handle.js'
import {pgConnection, type PgLocation} from '../../store/pg/connection.js'
import {pgConnectionError} from '../../store/pg/connection-errors.js'
import {preparePgLedger} from '../../store/pg/prepare.js'
import {pgStore} from '../../store/seam/pg-store.js'
import {sqliteStore} from '../../store/seam/sqlite-store.js'
import type {Store} from '../../store/seam/store.js'
import {appendAudit} from '../audit.js'
import {copyStore, type CopyProgress, type StoreCopyResult} from './copy.js'

export interface StoreCopyBackView extends StoreCopyResult {
  direction: 'postgres-to-sqlite'
  source: {kind: 'postgres'} & PgLocation
  target: {kind: 'sqlite'; file: string}
  schemaVersion: number
  durationMs: number
}

/**
 * `yms-pay store copy --from <url>`: a PostgreSQL ledger into the home's SQLite file, which must hold no ledger row
 * (copy.ts does the copy and its checks, in one SQLite transaction). The source is checked and migrated as any
 * command's --database-url is, and must already be a ledger; only then is the home opened, so a URL or a server
 * that fails leaves no new home behind. `openTarget` opens the home (making it when missing). The copy is audited
 * in the source, the log that goes on being written by the hosts that share it.
 */
export async function copyLedgerFromPostgres(
  openTarget: () => Promise<Db>,
  ctx: AppContext,
  url: string,
  progress?: (p: CopyProgress) => void,
): Promise<StoreCopyBackView> {
  rememberSecret(ctx.env.PGPASSWORD)
  const {config, location, label} = pgConnection(url, ctx.env, '--from')
  const started = performance.now()
  await preparePgLedger(config, label, 'the source', () => noLedger(label)).catch((error: unknown) => {
    throw asSourceError(error, label)
  })
  const source = pgStore(config)
  let file: string | undefined
  try {
    const db = await openTarget()
    file = db.file
    // The seam over the command's Db; not closed here: the command closes its Db.
    const result = await copyStore(source, sqliteStore(db), progress)
    const view: StoreCopyBackView = {
      direction: 'postgres-to-sqlite',
      source: {kind: 'postgres', ...location},
      target: {kind: 'sqlite', file},
      schemaVersion: LATEST_VERSION,
      ...result,
      durationMs: Math.round(performance.now() - started),
    }
    await audit(source, ctx, file, 'ok', {
      storeId: result.storeId,
      tables: result.tables.length,
      rows: result.rows,
      checks: result.checks,
    }).catch((error: unknown) => {
      // The copy is committed: failing now would have a cron job retry it into a home that is no longer empty.
      ctx.warn(`the copy could not be recorded in the source's audit log: ${(error as Error).message}`)
    })
    return view
  } catch (error) {
    const connection = pgConnectionError(error, label)
    const reported = (connection ?? error) as {code?: unknown; message?: string}
    // A server that cannot be reached (or refuses this user) cannot take the audit row either.
    if (connection === undefined) {
      const code = typeof reported.code === 'string' ? reported.code : 'internal'
      await audit(source, ctx, file, 'error', {code, error: scrubSecrets(reported.message ?? '')}).catch(
        (auditError: unknown) => {
          // The copy's own error is what the user must see; the missing audit row is said beside it.
          ctx.warn(`the failed copy could not be recorded in the source's audit log: ${(auditError as Error).message}`)
        },
      )
    }
    throw reported
  } finally {
    await source.close()
  }
}

function audit(
  source: Store,
  ctx: AppContext,
  file: string | undefined,
  outcome: 'ok' | 'error',
  details: Record<string, unknown>,
): Promise<unknown> {
  // A path alone says nothing on a ledger several hosts share: which machine's file it is goes with it.
  const host = hostname()
  const entry = {
    actor: ctx.actor,
    action: 'store.copy',
    subject: file === undefined ? `file://${host}` : `file://${host}${file}`,
    outcome,
    details: {direction: 'postgres-to-sqlite', target: {host, file: file ?? null}, ...details},
  }
  return storeHandle(source, ctx.now).write(() => appendAudit.ops(entry))
}

function noLedger(label: string): ConfigError {
  return new ConfigError(
    `the source ${label} holds no yms-pay ledger: there is nothing to copy`,
    'Check the URL for a typo: --from names the PostgreSQL ledger the hosts use (their YMS_PAY_DATABASE_URL).',
    'source_missing',
  )
}

/** The preparation's errors, said of a source: a foreign database is not one to empty, but a wrong URL. */
function asSourceError(error: unknown, label: string): unknown {
  if (error instanceof UsageError && error.code === 'target_not_empty') {
    return new UsageError(
      error.message,
      "Nothing was changed. Check the URL: --from names a yms-pay ledger (the hosts' YMS_PAY_DATABASE_URL).",
      'source_not_a_ledger',
    )
  }
  return error instanceof YmsError ? error : (pgConnectionError(error, label) ?? error)
}
