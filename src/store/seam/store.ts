/**
 * The async store seam (issue 14, docs/postgres.md): what services will talk to, whichever engine holds the
 * ledger. SQL is written once, in the subset both engines speak, with positional `?` parameters.
 */

/** What a statement binds: text, safe integers, bigint (as an exact integer), bytes (BLOB / bytea) or NULL. */
export type SqlValue = string | number | bigint | Buffer | Uint8Array | null

/**
 * A row as both engines return it: integers as numbers (refused beyond ±(2^53-1), see integers.ts), text as
 * strings, BLOB / bytea as Buffers, NULL as null.
 */
export type Row = Record<string, unknown>

export interface RunResult {
  /** Rows the statement inserted, updated or deleted (not those changed by its triggers). */
  changes: number
}

/**
 * The statements of one transaction. A statement that fails marks its transaction (or savepoint) failed on both
 * engines, as PostgreSQL does: whatever the callback does with the error, the transaction is rolled back. To go on
 * after a statement that may fail, run it in a nested `write` (a savepoint) and catch that.
 */
export interface Queryable {
  all<T = Row>(sql: string, params?: readonly SqlValue[]): Promise<T[]>
  /** The first row, or undefined when there is none. */
  get<T = Row>(sql: string, params?: readonly SqlValue[]): Promise<T | undefined>
  run(sql: string, params?: readonly SqlValue[]): Promise<RunResult>
  /**
   * A statement whose answer nothing waits for (rows to insert): SQLite runs it now; PostgreSQL sends it with the
   * next statement that answers something, or with the end of this transaction or savepoint, in one message. Its
   * failure is then that statement's, or the end's: either way this transaction (or savepoint) fails, as it would
   * have at once.
   */
  queue(sql: string, params?: readonly SqlValue[]): Promise<void>
  /**
   * Rows new to `table`, which no row there can conflict with, inserted as `queue` sends a statement: SQLite inserts
   * them now; PostgreSQL sends them by COPY with the next statement that answers something (docs/postgres.md, "New
   * rows go by COPY"). `values` holds the rows one after another, each its values in `columns` order.
   */
  copy(table: string, columns: readonly string[], values: readonly SqlValue[]): Promise<void>
  /**
   * Rows as they are read, without holding them all: break out of the loop to stop early. No other statement may
   * write while the loop runs (SQLite refuses it), though reads may.
   */
  iterate<T = Row>(sql: string, params?: readonly SqlValue[]): AsyncIterable<T>
}

export interface Store {
  readonly kind: 'sqlite' | 'postgres'
  /** One snapshot for the whole callback; nothing may be written. Inside a write it joins that transaction. */
  read<T>(fn: (q: Queryable) => Promise<T>): Promise<T>
  /**
   * One transaction: committed when fn resolves, rolled back when it throws (and its error re-thrown as it is).
   * Called inside another write's callback, it is a savepoint of that transaction: a throw undoes only its part.
   */
  write<T>(fn: (q: Queryable) => Promise<T>): Promise<T>
  close(): Promise<void>
}
