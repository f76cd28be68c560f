import type {ClientBase} from 'pg'

/** One PostgreSQL schema step. `version` is what yms_schema holds once `up` has run (SQLite's user_version). */
export interface PgMigration {
  version: number
  name: string
  /** Runs inside the runner's transaction, on its connection. */
  up(client: ClientBase): Promise<void>
}
