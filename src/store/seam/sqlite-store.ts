import type {Db, Statement} from '../db.js'
import {storageError} from '../storage-errors.js'
import {fromBigInt} from './integers.js'
import {Serial} from './serial.js'
import type {Row, SqlValue, Store} from './store.js'
import {type Mode, type Session, Transactions} from './transactions.js'

/**
 * The seam over an open SQLite ledger (openDatabase), which it owns from now on: close() closes the Db.
 *
 * better-sqlite3 runs a transaction's body synchronously and cannot await one, so transactions are begun and ended
 * here with BEGIN IMMEDIATE / BEGIN / COMMIT / ROLLBACK. The connection is one, and a transaction on it spans every
 * await of its callback: one queue per Store runs them one after another, reads too, so two calls of one process
 * never share a transaction. Use one Store per ledger file in a process: a second connection's BEGIN IMMEDIATE
 * would block the event loop for the busy timeout while the first waits for the event loop to commit.
 */
export function sqliteStore(db: Db): Store {
  const queue = new Serial()
  const transactions = new Transactions()
  const session = new SqliteSession(db)
  const start = <T>(mode: Mode, fn: Parameters<Store['read']>[0]) =>
    queue.run(() => {
      session.check()
      return transactions.run(session, mode, fn) as Promise<T>
    })
  return {
    kind: 'sqlite',
    read: (fn) => transactions.enter('read', fn, () => start('read', fn)),
    write: (fn) => transactions.enter('write', fn, () => start('write', fn)),
    close: () => queue.run(async () => db.close()),
  }
}

class SqliteSession implements Session {
  /**
   * Statements prepared once per text, as db.stmt does, but in a cache of their own: they read integers as BigInt
   * (safeIntegers) to refuse, not round, one beyond 2^53, a per-statement setting that would otherwise leak into
   * the synchronous repositories sharing db.stmt's statements (and that better-sqlite3 will not toggle while any
   * iterator is open).
   */
  private readonly statements = new Map<string, Statement>()
  private mode: Mode = 'read'
  /** Why this connection may not be used again: a ROLLBACK that failed leaves it in an unknown transaction. */
  private broken: Error | undefined

  constructor(private readonly db: Db) {}

  check(): void {
    if (this.broken) throw this.broken
  }

  async begin(mode: Mode): Promise<void> {
    if (mode === 'write') this.db.checkWritable()
    this.mode = mode
    this.exec(mode === 'write' ? 'BEGIN IMMEDIATE' : 'BEGIN')
  }

  async commit(): Promise<void> {
    this.exec('COMMIT')
  }

  async rollback(): Promise<void> {
    // A failed statement may have ended the transaction already (SQLite rolls back on some errors, SQLITE_FULL).
    if (!this.db.raw.inTransaction) return
    try {
      this.exec('ROLLBACK')
    } catch (error) {
      this.broken = new Error(`the SQLite connection to ${this.db.file} could not roll back; it is closed`, {
        cause: error,
      })
      this.db.close()
    }
  }

  async control(sql: string): Promise<void> {
    this.exec(sql)
  }

  async all<T = Row>(sql: string, params: readonly SqlValue[] = []): Promise<T[]> {
    return this.mapped(() =>
      this.statement(sql)
        .all(...params)
        .map((row) => numbers<T>(row)),
    )
  }

  async get<T = Row>(sql: string, params: readonly SqlValue[] = []): Promise<T | undefined> {
    return this.mapped(() => {
      const row = this.statement(sql).get(...params)
      return row === undefined ? undefined : numbers<T>(row)
    })
  }

  async run(sql: string, params: readonly SqlValue[] = []): Promise<{changes: number}> {
    return this.mapped(() => ({changes: this.statement(sql).run(...params).changes}))
  }

  async queue(sql: string, params: readonly SqlValue[] = []): Promise<void> {
    await this.run(sql, params)
  }

  async copy(table: string, columns: readonly string[], values: readonly SqlValue[]): Promise<void> {
    const width = columns.length
    if (values.length % width !== 0) throw new RangeError(`${values.length} values are not rows of ${width}`)
    const row = `(${columns.map(() => '?').join(', ')})`
    // Within SQLite's limit on values a statement binds (32,766).
    const step = Math.max(1, Math.floor(32_766 / width))
    for (let at = 0; at < values.length; at += step * width) {
      const rows = Math.min(step, (values.length - at) / width)
      const sql = `INSERT INTO ${table} (${columns.join(', ')}) VALUES ${Array.from({length: rows}, () => row).join(', ')}`
      await this.run(sql, values.slice(at, at + rows * width))
    }
  }

  /** Nothing waits: `queue` and `copy` ran their statements. */
  async flush(): Promise<void> {}

  async *iterate<T = Row>(sql: string, params: readonly SqlValue[] = []): AsyncGenerator<T> {
    const rows = this.mapped(() => this.statement(sql).iterate(...params))
    try {
      for (;;) {
        const next = this.mapped(() => rows.next())
        if (next.done) return
        yield numbers<T>(next.value)
      }
    } finally {
      // Also when the caller's loop stops early: it resets the statement, freeing the connection for writes.
      rows.return?.()
    }
  }

  private statement(sql: string): Statement {
    let statement = this.statements.get(sql)
    if (statement === undefined) {
      statement = this.db.raw.prepare(sql)
      if (statement.reader) statement.safeIntegers(true)
      this.statements.set(sql, statement)
    }
    // PostgreSQL's read is READ ONLY; SQLite's deferred transaction would write, so refuse it the same.
    if (this.mode === 'read' && !statement.readonly) {
      throw new Error(`cannot write in a read transaction: ${sql}`)
    }
    return statement
  }

  private exec(sql: string): void {
    this.mapped(() => this.db.raw.exec(sql))
  }

  /** SQLite's errors about the file itself as the typed errors naming it that Db.write gives. */
  private mapped<R>(fn: () => R): R {
    try {
      return fn()
    } catch (error) {
      throw storageError(error, this.db.file) ?? error
    }
  }
}

function numbers<T>(row: unknown): T {
  const record = row as Record<string, unknown>
  for (const column in record) {
    const value = record[column]
    if (typeof value === 'bigint') record[column] = fromBigInt(column, value)
  }
  return record as T
}
