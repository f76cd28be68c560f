import {AUDIT_LOG_SQL} from './baseline/audit-log.js'
import {CONNECTIONS_SQL} from './baseline/connections.js'
import {LEDGER_SQL} from './baseline/ledger.js'
import {REFERENCE_DATA_SQL} from './baseline/reference-data.js'
import {SYNC_BOOKKEEPING_SQL} from './baseline/sync-bookkeeping.js'
import {TRANSACTIONS_SQL} from './baseline/transactions.js'
import type {Migration} from './migration.js'

/**
 * The schema 0.1.0 ships: what the pre-release migrations 001-006 left, without the tables nothing writes yet
 * (webhook events, alerts, retries, reconciliation: each of those features adds its own migration).
 *
 * Conventions for every table: STRICT typing; money as INTEGER minor units + upper-case ISO 4217 TEXT; times as
 * ISO-8601 UTC TEXT; JSON from outside checked with json_valid (not what the sync's write path serializes itself).
 * Vocabularies the services own (gateway kinds, statuses) are not CHECKed, so adding a gateway never needs a
 * table rebuild.
 *
 * user_version 6, not 1: a pre-release file that went through the six old steps (user_version 6) has exactly this
 * schema for every table here, so it counts as migrated and keeps its ledger; 002 then drops the empty tables the
 * baseline leaves out. A file at 1-5 predates the baseline and is refused with a hint (run.ts).
 */
export const baseline: Migration = {
  version: 6,
  name: '001-baseline',
  up(db) {
    for (const sql of [
      REFERENCE_DATA_SQL,
      CONNECTIONS_SQL,
      AUDIT_LOG_SQL,
      TRANSACTIONS_SQL,
      LEDGER_SQL,
      SYNC_BOOKKEEPING_SQL,
    ]) {
      db.exec(sql)
    }
  },
}
