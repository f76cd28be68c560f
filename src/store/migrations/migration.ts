import type Database from 'better-sqlite3'

/** One schema step. `version` is the PRAGMA user_version the database has once `up` has run. */
export interface Migration {
  version: number
  name: string
  up(db: Database.Database): void
  /**
   * Rebuilds a table that others reference (SQLite's 12-step ALTER): foreign keys are switched off around the step
   * (it cannot be done inside a transaction) and checked before it commits.
   */
  rebuildsReferencedTable?: boolean
}
