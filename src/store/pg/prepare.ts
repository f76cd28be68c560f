import pg from 'pg'

import {type ConfigError, UsageError} from '../../core/errors.js'
import {PG_MIGRATIONS, runPgMigrations} from './migrations/index.js'

/**
 * One connection for what must happen before a PostgreSQL database is used as a ledger: refuse a database that
 * holds tables of something else (before yms-pay creates its own beside them), then migrate it (the runner's own
 * transactions, safe against another yms-pay migrating it at once). `role` names the database in the refusal
 * ("the target" of a copy, "the ledger" of --database-url). `missing`, when given, is thrown for a database that
 * holds no yms-pay ledger yet instead of creating one (as a SQLite home is made only by the setup commands).
 * Returns the versions this call applied.
 */
export async function preparePgLedger(
  config: pg.ClientConfig,
  label: string,
  role: string,
  missing?: () => ConfigError,
): Promise<number[]> {
  const client = new pg.Client(config)
  // An error event of a client whose query already failed would otherwise end the process.
  client.on('error', () => undefined)
  await client.connect()
  try {
    const {rows} = await client.query<{name: string}>(
      `SELECT c.relname AS name FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
       WHERE n.nspname = current_schema() AND c.relkind IN ('r', 'p', 'v', 'm', 'f') ORDER BY 1`,
    )
    if (rows.length > 0 && !rows.some((r) => r.name === 'yms_schema')) {
      const names = rows.map((r) => r.name)
      throw new UsageError(
        `${role} ${label} is not empty and is not a yms-pay ledger (it has ${names.slice(0, 5).join(', ')}${names.length > 5 ? ', …' : ''})`,
        'Nothing was changed. Name an empty database (CREATE DATABASE …).',
        'target_not_empty',
      )
    }
    if (missing !== undefined && !rows.some((r) => r.name === 'yms_schema')) throw missing()
    return await runPgMigrations(client, PG_MIGRATIONS, label)
  } finally {
    await client.end().catch(() => undefined)
  }
}
