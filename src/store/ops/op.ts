import type {Row} from '../seam/store.js'

/**
 * Statements as values (issue 14, docs/postgres.md "Repositories written once"). A repository function is a
 * generator that yields the statements it needs and receives their results; a runner answers them, synchronously
 * on SQLite's Db (run-sync.ts: no promise per statement, so the measured fast paths keep their speed) or awaited on
 * PostgreSQL through the seam (run-async.ts). The same code, the same SQL, on both engines.
 */

/** SQL written once, or spelled per engine where the two cannot share a text (dialect words, JSON fields). */
export type Sql = string | {readonly sqlite: string; readonly postgres: string}

/**
 * Positional values for `?`, or one object for `@name` placeholders, as better-sqlite3 binds them. Values are
 * text, numbers, bigint, bytes and null.
 */
export type Params = readonly unknown[] | Readonly<Record<string, unknown>>

export type Engine = 'sqlite' | 'postgres'

export type Op =
  | {readonly kind: 'all' | 'get' | 'value' | 'values' | 'run'; readonly sql: Sql; readonly params: Params}
  | {readonly kind: 'each'; readonly sql: Sql; readonly params: Params; readonly row: (row: unknown) => void}
  | {readonly kind: 'now'}
  | {readonly kind: 'engine'}
  | {readonly kind: 'write' | 'read'; readonly body: Ops<unknown>}

/** What a repository function returns: its statements, then its result. */
export type Ops<T> = Generator<Op, T, unknown>

export function* all<T = Row>(sql: Sql, params: Params = []): Ops<T[]> {
  return (yield {kind: 'all', sql, params}) as T[]
}

/** The first row, or undefined. */
export function* get<T = Row>(sql: Sql, params: Params = []): Ops<T | undefined> {
  return (yield {kind: 'get', sql, params}) as T | undefined
}

/** The first column of the first row (better-sqlite3's pluck().get()), or undefined when there is no row. */
export function* value<T>(sql: Sql, params: Params = []): Ops<T | undefined> {
  return (yield {kind: 'value', sql, params}) as T | undefined
}

/** The first column of every row (pluck().all()). */
export function* values<T>(sql: Sql, params: Params = []): Ops<T[]> {
  return (yield {kind: 'values', sql, params}) as T[]
}

/** Rows the statement inserted, updated or deleted (not its triggers'). For a new id, use RETURNING. */
export function* run(sql: Sql, params: Params = []): Ops<{changes: number}> {
  return (yield {kind: 'run', sql, params}) as {changes: number}
}

/**
 * Each row to `row` as it is read, without holding them all. No statement may run until the loop ends (SQLite
 * refuses a write meanwhile), so `row` is plain code, not a generator.
 */
export function* each<T = Row>(sql: Sql, params: Params, row: (row: T) => void): Ops<void> {
  yield {kind: 'each', sql, params, row: row as (row: unknown) => void}
}

/** The store's clock as ISO-8601 UTC (Db.now: injectable for tests). */
export function* now(): Ops<string> {
  return (yield {kind: 'now'}) as string
}

/** Which engine runs these statements, for the rare logic (not SQL) that must differ. */
export function* engine(): Ops<Engine> {
  return (yield {kind: 'engine'}) as Engine
}

/**
 * body in a write transaction: its own, or a savepoint of the one it runs in (a throw it makes, caught, undoes
 * only its part). A statement that may fail and be caught belongs in one: PostgreSQL fails the whole transaction.
 */
export function* write<T>(body: Ops<T>): Ops<T> {
  return (yield {kind: 'write', body}) as T
}

/** body in one read snapshot (joining the transaction it runs in, if any). */
export function* read<T>(body: Ops<T>): Ops<T> {
  return (yield {kind: 'read', body}) as T
}

export function spelled(sql: Sql, engine: Engine): string {
  return typeof sql === 'string' ? sql : sql[engine]
}
