import {baseline} from './001-baseline.js'
import {claimants} from './002-claimants.js'
import {invoiceRows} from './003-invoice-rows.js'
import type {PgMigration} from './migration.js'

export type {PgMigration} from './migration.js'
export {runPgMigrations} from './run.js'

/**
 * Every PostgreSQL schema step, in order: the baseline (version 14), then one step per version SQLite gains after
 * it, with the same number. Append only, as for SQLite.
 */
export const PG_MIGRATIONS: readonly PgMigration[] = [baseline, claimants, invoiceRows]

export const PG_LATEST_VERSION = PG_MIGRATIONS.at(-1)?.version ?? 0
