import type Database from 'better-sqlite3'
import type pg from 'pg'

import {PG_MIGRATIONS, runPgMigrations} from '../../../src/store/pg/migrations/index.js'
import type {TestPostgres} from '../../helpers/postgres.js'
import {tempDb} from '../helpers.js'

/**
 * A fresh SQLite ledger and a fresh PostgreSQL one, to run the same statement on both and compare what happens.
 * Statements use `?` placeholders (numbered for PostgreSQL here); integers read back as BigInt from both.
 */
export interface BothStores {
  sqlite: Database.Database
  postgres: pg.Client
  /** What the statement did on each: 'ok', or the kind of refusal (and a trigger's message). */
  run(sql: string, params?: unknown[]): Promise<{sqlite: string; postgres: string}>
  /** The rows a query returns on each. */
  rows(sql: string): Promise<{sqlite: unknown[]; postgres: unknown[]}>
  cleanup(): void
}

export async function bothStores(server: TestPostgres): Promise<BothStores> {
  const database = await server.freshDatabase()
  const postgres = await database.connect()
  await runPgMigrations(postgres, PG_MIGRATIONS, database.name)
  const {db, cleanup} = tempDb()
  const sqlite = db.raw
  return {
    sqlite,
    postgres,
    async run(sql, params = []) {
      let n = 0
      const numbered = sql.replace(/\?/g, () => `$${++n}`)
      return {
        sqlite: outcome(() => sqlite.prepare(sql).run(...params)),
        postgres: await postgres.query(numbered, params).then(
          () => 'ok',
          (error: unknown) => refusal(error),
        ),
      }
    },
    async rows(sql) {
      return {
        sqlite: sqlite.prepare(sql).safeIntegers(true).all(),
        postgres: (await postgres.query(sql)).rows,
      }
    },
    cleanup,
  }
}

function outcome(fn: () => unknown): string {
  try {
    fn()
    return 'ok'
  } catch (error) {
    return refusal(error)
  }
}

// SQLite's extended result codes and PostgreSQL's SQLSTATEs for the same refusals.
const KINDS: Record<string, string> = {
  SQLITE_CONSTRAINT_CHECK: 'check',
  SQLITE_CONSTRAINT_UNIQUE: 'unique',
  SQLITE_CONSTRAINT_PRIMARYKEY: 'unique',
  SQLITE_CONSTRAINT_NOTNULL: 'not null',
  SQLITE_CONSTRAINT_FOREIGNKEY: 'foreign key',
  '23514': 'check',
  '23505': 'unique',
  '23502': 'not null',
  '23503': 'foreign key',
}

function refusal(error: unknown): string {
  const {code, message} = error as {code?: string; message: string}
  if (code === 'SQLITE_CONSTRAINT_TRIGGER' || code === '23001') return `refused: ${message}`
  return (code !== undefined && KINDS[code]) || `error ${code}: ${message}`
}
