import {baseline} from './001-baseline.js'
import {dropUnusedPreReleaseTables} from './002-drop-unused-pre-release-tables.js'
import {merchantBookingsAndSkippedItems} from './003-merchant-bookings-and-skipped-items.js'
import {storeIdentity} from './004-store-identity.js'
import {webhookEvents} from './005-webhook-events.js'
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
  webhookEvents,
]

export const LATEST_VERSION = MIGRATIONS.at(-1)?.version ?? 0
