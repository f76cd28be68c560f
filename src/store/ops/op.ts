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
  | {readonly kind: 'all' | 'get' | 'value' | 'values' | 'run' | 'send'; readonly sql: Sql; readonly params: Params}
  | {readonly kind: 'each'; readonly sql: Sql; readonly params: Params; readonly row: (row: unknown) => void}
  | {readonly kind: 'lock'; readonly key: number}
  | {readonly kind: 'now'}
  | {readonly kind: 'engine'}
  | {readonly kind: 'write' | 'read'; readonly body: Ops<unknown>}
  | {readonly kind: 'later'; readonly insert: HeldInsert; readonly rows: number; readonly params: readonly unknown[]}

/**
 * An INSERT written in three parts so that rows of several statements can become one: `head` up to VALUES, `row` one
 * row's `(?, …)`, `tail` what follows the rows (an `ON CONFLICT … DO NOTHING`, never a DO UPDATE: two rows of one
 * statement may not update the same row). Kept as a module constant: the runner groups rows by this object.
 */
export interface HeldInsert {
  readonly head: string
  readonly row: string
  readonly tail: Sql
  /**
   * For an upsert that updates (`ON CONFLICT … DO UPDATE`): the conflict key of a row's values, and how two rows of
   * one key become the one row that has the same effect as both in turn. Rows held with the same key are then
   * combined before they go, as one statement may not update a row twice.
   */
  readonly merge?: {
    key(values: readonly unknown[]): string
    combine(earlier: readonly unknown[], later: readonly unknown[]): unknown[]
  }
  /** Tables its rows change besides the one it inserts into (by a trigger): a read of those must see them too. */
  readonly alsoChanges?: readonly string[]
  /**
   * Rows that other held rows may reference (a new transaction, whose state and postings name its seq): sent before
   * every other insert, whichever was held first (a page that begins with an update holds a state before any new
   * transaction).
   */
  readonly referenced?: boolean
  /**
   * Rows no row of their table can conflict with on PostgreSQL, whose sequences never hand a number out twice: a
   * transaction whose seq this write took, and the first state and postings of one. There they go by COPY (seam
   * `copy`; docs/postgres.md, "New rows go by COPY"), `tail` unused, `row` all placeholders. SQLite, which may give a
   * deleted transaction's seq to the next, runs the statement with its tail as for any other.
   */
  readonly copy?: boolean
}

/** The statement for `rows` rows of an insert, built once per row count and engine. */
export function heldText(insert: HeldInsert, rows: number, engine: Engine): string {
  let texts = heldTexts.get(insert)
  if (!texts) heldTexts.set(insert, (texts = new Map()))
  const key = engine === 'sqlite' ? rows : -rows
  let text = texts.get(key)
  if (text === undefined) {
    const tail = spelled(insert.tail, engine)
    text = `${insert.head} VALUES ${Array.from({length: rows}, () => insert.row).join(', ')}${tail ? ` ${tail}` : ''}`
    texts.set(key, text)
  }
  return text
}

const heldTexts = new WeakMap<HeldInsert, Map<number, string>>()

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
 * A statement whose answer nothing needs (no rows, no count), which may still fail. SQLite runs it at once, as `run`
 * would. PostgreSQL sends it with the next statement that answers something, or with the end of this transaction or
 * savepoint, in one message (seam/pg-store.ts): a page's bookkeeping then costs no round trip of its own. Its
 * failure fails this transaction (or savepoint) all the same, at that later statement; so never for a statement whose
 * failure the caller would catch and go on after (that is a nested `write`'s job).
 */
export function* send(sql: Sql, params: Params = []): Ops<void> {
  yield {kind: 'send', sql, params}
}

/**
 * Each row to `row` as it is read, without holding them all. No statement may run until the loop ends (SQLite
 * refuses a write meanwhile), so `row` is plain code, not a generator.
 */
export function* each<T = Row>(sql: Sql, params: Params, row: (row: T) => void): Ops<void> {
  yield {kind: 'each', sql, params, row: row as (row: unknown) => void}
}

/**
 * PostgreSQL's transaction-level advisory lock `key` (pg_advisory_xact_lock), held to the end of this transaction:
 * asked of the server once per transaction, however many writers in it take it (a page's apply and its audit row).
 * Nothing on SQLite, whose one writer holds every lock already.
 */
export function* lockForTransaction(key: number): Ops<void> {
  yield {kind: 'lock', key}
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
 * Rows to insert whose result nothing needs (no RETURNING, no count), and which nothing in this transaction reads
 * back before its next statement that answers something. SQLite runs the statement at once, as `run` would.
 * PostgreSQL holds it until that next statement (or a nested transaction, or the end of this one), then sends the
 * rows held of each insert as one multi-row statement, those `referenced` first, then in the order of their first
 * rows: a sync page's hundreds of round trips become a few (docs/postgres.md, "A page in a few statements"). So only
 * for new rows whose order matters between tables (a state after its transaction, which says so), not within one,
 * and no conflict but DO NOTHING (or a `merge`).
 */
export function* later(insert: HeldInsert, rows: number, params: readonly unknown[]): Ops<void> {
  if (rows > 0) yield {kind: 'later', insert, rows, params}
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
