import {baseline} from './001-baseline.js'
import {dropUnusedPreReleaseTables} from './002-drop-unused-pre-release-tables.js'
import {merchantBookingsAndSkippedItems} from './003-merchant-bookings-and-skipped-items.js'
import {storeIdentity} from './004-store-identity.js'
import {reconcileTables} from './005-reconcile.js'
import {alerts} from './006-alerts.js'
import {retryRules} from './007-retry-rules.js'
import {retries} from './008-retries.js'
import {webhookEvents} from './009-webhook-events.js'
import {claimants} from './010-claimants.js'
import {invoiceRows} from './011-invoice-rows.js'
import type {Migration} from './migration.js'

export type {Migration} from './migration.js'
export {runMigrations} from './run.js'

/**
 * Every schema step, in order: the baseline (user_version 6), then one migration per version from 7 on. Append
 * only: never edit or renumber a migration that has shipped.
 */
export const MIGRATIONS: readonly Migration[] = [
  baseline,
  dropUnusedPreReleaseTables,
  merchantBookingsAndSkippedItems,
  storeIdentity,
  reconcileTables,
  alerts,
  retryRules,
  retries,
  webhookEvents,
  claimants,
  invoiceRows,
]

export const LATEST_VERSION = MIGRATIONS.at(-1)?.version ?? 0
