import {ConfigError} from '../../core/errors.js'
import type {Migration} from './migration.js'

/**
 * Tables the pre-release builds created before anything wrote them, which the baseline leaves out. A file those
 * builds made (user_version 6) still holds them, empty: dropped here, so every file has one schema and the features
 * that need these names create them afresh in their own migrations. A table that somehow holds rows is not
 * dropped: the migration stops and says so, since nothing of the ledger may be lost silently.
 */
export const PRE_RELEASE_LEFTOVERS = [
  'alert_deliveries',
  'alerts_outbox',
  'alert_targets',
  'retry_attempts',
  'retries',
  'reconcile_exceptions',
  'reconcile_runs',
  'webhook_events',
] as const

export const dropUnusedPreReleaseTables: Migration = {
  version: 7,
  name: '002-drop-unused-pre-release-tables',
  up(db) {
    for (const table of PRE_RELEASE_LEFTOVERS) {
      const exists =
        db.prepare(`SELECT 1 FROM sqlite_schema WHERE type = 'table' AND name = ?`).get(table) !== undefined
      if (!exists) continue
      const rows = db.prepare(`SELECT count(*) FROM "${table}"`).pluck().get() as number
      if (rows > 0) {
        throw new ConfigError(
          `the ledger's pre-release table ${table} holds ${rows} row(s) that this version has no use for`,
          'Keep a copy of the file (yms-pay backup) and report it: nothing in a released build writes this table.',
          'schema_pre_release',
        )
      }
      db.exec(`DROP TABLE "${table}"`)
    }
  },
}
