import {foundation} from './001-foundation.js'
import {syncLedger} from './002-sync-ledger.js'
import {quarantineNormalized} from './003-quarantine-normalized.js'
import {leanSyncIndexes} from './004-lean-sync-indexes.js'
import {transactionsRebuild} from './005-transactions-rebuild.js'
import {ledgerWritePath} from './006-ledger-write-path.js'
import type {Migration} from './migration.js'

export type {Migration} from './migration.js'
export {runMigrations} from './run.js'

/** Every schema step, in order. Append only: never edit or renumber a migration that has shipped. */
export const MIGRATIONS: readonly Migration[] = [foundation, syncLedger, quarantineNormalized, leanSyncIndexes, transactionsRebuild, ledgerWritePath]

export const LATEST_VERSION = MIGRATIONS.length
