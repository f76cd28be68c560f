import {baseline} from './001-baseline.js'
import type {Migration} from './migration.js'

export type {Migration} from './migration.js'
export {runMigrations} from './run.js'

/**
 * Every schema step, in order: the baseline (user_version 6), then one migration per version from 7 on. Append
 * only: never edit or renumber a migration that has shipped.
 *
 * Files made by the pre-release builds still hold the empty alert_targets, alerts_outbox and alert_deliveries
 * tables the baseline left out (nothing ever wrote them): a migration that creates a table of one of those names
 * drops it first (DROP TABLE IF EXISTS). test/store/migrations.test.ts opens such a file to hold everyone to it.
 */
export const MIGRATIONS: readonly Migration[] = [baseline]

export const LATEST_VERSION = MIGRATIONS.at(-1)?.version ?? 0
