import {randomUUID} from 'node:crypto'

import {ALERTS_SQL} from './baseline/alerts.js'
import {AUDIT_LOG_SQL} from './baseline/audit-log.js'
import {CONNECTIONS_SQL} from './baseline/connections.js'
import {FUNCTIONS_SQL} from './baseline/functions.js'
import {LEDGER_SQL} from './baseline/ledger.js'
import {RECONCILE_SQL} from './baseline/reconcile.js'
import {REFERENCE_DATA_SQL} from './baseline/reference-data.js'
import {RETRIES_SQL} from './baseline/retries.js'
import {STORE_IDENTITY_SQL} from './baseline/store-identity.js'
import {SYNC_BOOKKEEPING_SQL} from './baseline/sync-bookkeeping.js'
import {TRANSACTIONS_SQL} from './baseline/transactions.js'
import {WEBHOOK_EVENTS_SQL} from './baseline/webhook-events.js'
import type {PgMigration} from './migration.js'

/**
 * The whole schema SQLite has at version 14, in one step: no PostgreSQL ledger predates this code, so there is
 * nothing to carry through SQLite's earlier steps, and a PostgreSQL database and a SQLite file at the same version
 * have the same tables. From here on every version gets a SQLite step and a PostgreSQL step (docs/postgres.md).
 * Conventions are SQLite's (migrations/001-baseline.ts), in PostgreSQL's types: see docs/postgres.md.
 */
export const baseline: PgMigration = {
  version: 14,
  name: '001-baseline',
  async up(client) {
    for (const sql of [
      FUNCTIONS_SQL,
      REFERENCE_DATA_SQL,
      CONNECTIONS_SQL,
      AUDIT_LOG_SQL,
      TRANSACTIONS_SQL,
      LEDGER_SQL,
      SYNC_BOOKKEEPING_SQL,
      STORE_IDENTITY_SQL,
      RECONCILE_SQL,
      ALERTS_SQL,
      RETRIES_SQL,
      WEBHOOK_EVENTS_SQL,
    ]) {
      await client.query(sql)
    }
    // As SQLite's 004 writes it, so the id and its time read the same from either store.
    await client.query('INSERT INTO store_identity (id, store_id, created_at) VALUES (1, $1, $2)', [
      randomUUID(),
      new Date().toISOString(),
    ])
  },
}
