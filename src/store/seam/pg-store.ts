import pg from 'pg'

import {unsafeInteger} from './integers.js'
import {copyData, CopyingQuery, prepareValue} from './pg-copy.js'
import {inlined, numbered} from './placeholders.js'
import type {Row, SqlValue, Store} from './store.js'
import {type Mode, type Session, Transactions} from './transactions.js'

/** Rows per FETCH of iterate: few round trips, and never more than this many rows held at once. */
export const FETCH_SIZE = 1000

const {INT8, NUMERIC} = pg.types.builtins

/**
 * The seam over a PostgreSQL database (already migrated: runPgMigrations), through a pool of connections. Each
 * read or write checks out one client for its whole callback, so unlike SQLite's queue transactions of one Store
 * run side by side, each isolated by the server: a write in READ COMMITTED (what concurrent postings and the
 * trigger's per-statement balance update are written for), a read in REPEATABLE READ READ ONLY (one snapshot).
 */
export function pgStore(config: pg.PoolConfig): Store {
  // The type parsers are this pool's own: pg.types.setTypeParser would change every pg user of the process.
  const pool = new pg.Pool({...config, types: {getTypeParser} as pg.CustomTypesConfig})
  // An idle client whose connection drops (a server restart) is removed by the pool, which then emits 'error':
  // without a listener that would end the process. The next checkout connects anew or fails with the reason.
  pool.on('error', () => undefined)
  const transactions = new Transactions()
  const start = async <T>(mode: Mode, fn: Parameters<Store['read']>[0]): Promise<T> => {
    const client = await pool.connect()
    const session = new PgSession(client)
    // A connection that drops while checked out, between two statements, emits 'error' on the client rather than
    // failing a query: without a listener that would end the process. The next statement fails with the reason.
    const onError = (error: Error) => void (session.lost ??= error)
    client.on('error', onError)
    try {
      return (await transactions.run(session, mode, fn)) as T
    } finally {
      client.off('error', onError)
      // A client that could not roll back, or whose connection dropped, is destroyed, never handed to the next caller.
      client.release(session.broken ?? session.lost)
    }
  }
  return {
    kind: 'postgres',
    read: (fn) => transactions.enter('read', fn, () => start('read', fn)),
    write: (fn) => transactions.enter('write', fn, () => start('write', fn)),
    close: () => pool.end(),
  }
}

let cursors = 0

/**
 * One connection's transactions. Statements whose answer nobody waits for (BEGIN, SAVEPOINT, RELEASE, rows held by
 * `queue`) are not sent alone: they wait for the next statement that answers something and go with it, in one message
 * of the simple protocol with their values written in as literals (`inlined`), the answer being that of the last
 * (docs/postgres.md, "Statements that wait for the next"). The server runs them in order and stops at the first that
 * fails, whose error is then that statement's: so a savepoint's end sends its own queued rows at once (their failure
 * is the savepoint's), and a COMMIT sends what is still queued before it.
 */
class PgSession implements Session {
  broken: Error | undefined
  /** Why the connection dropped while no statement was in flight (the server ended it, the network cut it). */
  lost: Error | undefined
  /** Statements for the next message, in order, with their values written in. */
  private pending: string[] = []
  /** The rows of each `COPY … FROM STDIN` in `pending`, in order (`copy`). */
  private copies: Buffer[] = []
  /** Whether `pending` holds more than BEGIN and savepoint control: rows or statements that may fail. */
  private pendingWork = false
  /** Whether this transaction's BEGIN has reached the server (a ROLLBACK of one that never did has nothing to do). */
  private begun = false

  constructor(private readonly client: pg.PoolClient) {}

  async begin(mode: Mode): Promise<void> {
    // Named explicitly: a database's default_transaction_isolation must not change what the seam promises.
    this.pending = [
      mode === 'write' ? 'BEGIN ISOLATION LEVEL READ COMMITTED' : 'BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY',
    ]
    this.copies = []
    this.pendingWork = false
    this.begun = false
  }

  async commit(): Promise<void> {
    const result = await this.batch('COMMIT')
    // The server answers COMMIT in a failed transaction with a rollback, not an error.
    if (result.command === 'ROLLBACK') throw new Error('the transaction had failed and was rolled back')
  }

  async rollback(): Promise<void> {
    this.pending = []
    this.copies = []
    this.pendingWork = false
    if (!this.begun) return
    try {
      await this.client.query('ROLLBACK')
    } catch (error) {
      this.broken = new Error('ROLLBACK failed', {cause: error})
    }
  }

  /**
   * SAVEPOINT, RELEASE and ROLLBACK TO wait for the next statement, unless rows or statements that may fail wait
   * already: those are sent now, with this one, so that their failure is the frame's that queued them.
   */
  async control(sql: string): Promise<void> {
    if (this.pendingWork) await this.batch(sql)
    else this.pending.push(sql)
  }

  async flush(): Promise<void> {
    if (!this.pendingWork) return
    const last = this.pending.pop()!
    await this.batch(last)
  }

  async queue(sql: string, params: readonly SqlValue[] = []): Promise<void> {
    this.pending.push(this.inline(numbered(sql), params))
    this.pendingWork = true
  }

  /**
   * New rows by COPY, which the server reads with no SQL to parse per value and writes a page of rows at a time
   * (docs/postgres.md, "New rows go by COPY"): the statement waits with the others, its rows go right behind them.
   */
  async copy(table: string, columns: readonly string[], values: readonly SqlValue[]): Promise<void> {
    if (values.length === 0) return
    this.pending.push(`COPY ${table} (${columns.join(', ')}) FROM STDIN`)
    this.copies.push(copyData(values, columns.length))
    this.pendingWork = true
  }

  async all<T = Row>(sql: string, params?: readonly SqlValue[]): Promise<T[]> {
    return (await this.query(numbered(sql), params)).rows as T[]
  }

  async get<T = Row>(sql: string, params?: readonly SqlValue[]): Promise<T | undefined> {
    return (await this.query(numbered(sql), params)).rows[0] as T | undefined
  }

  async run(sql: string, params?: readonly SqlValue[]): Promise<{changes: number}> {
    return {changes: (await this.query(numbered(sql), params)).rowCount ?? 0}
  }

  /**
   * A cursor of the transaction, read FETCH_SIZE rows at a time (pg-cursor is not a dependency; DECLARE is plain
   * SQL). NO SCROLL: the server need not keep rows already read.
   */
  async *iterate<T = Row>(sql: string, params?: readonly SqlValue[]): AsyncGenerator<T> {
    const cursor = `seam_cursor_${++cursors}`
    await this.query(`DECLARE ${cursor} NO SCROLL CURSOR FOR ${numbered(sql)}`, params)
    try {
      for (;;) {
        const batch = await this.query(`FETCH ${FETCH_SIZE} FROM ${cursor}`)
        for (const row of batch.rows) yield row as T
        if (batch.rows.length < FETCH_SIZE) return
      }
    } finally {
      // In a failed transaction CLOSE is refused too; the rollback that follows closes the cursor anyway.
      await this.client.query(`CLOSE ${cursor}`).catch(() => undefined)
    }
  }

  /** A statement that answers: on its own (the extended protocol, its values bound), or last of what waits. */
  private async query(text: string, params: readonly SqlValue[] = []): Promise<pg.QueryResult> {
    const result =
      this.pending.length === 0
        ? await this.sent(this.client.query(text, params as unknown[]))
        : await this.batch(this.inline(text, params))
    refuseUnsafe(result)
    return result
  }

  /** What waits and `last`, as one message; the result of `last`. */
  private async batch(last: string): Promise<pg.QueryResult> {
    const texts = [...this.pending, last]
    const copies = this.copies
    this.pending = []
    this.copies = []
    this.pendingWork = false
    this.begun = true
    // A newline before each `;`: a statement may end in a line comment, which would swallow the separator.
    const message = texts.map(unterminated).join('\n;\n')
    const answer =
      copies.length === 0
        ? this.client.query(message)
        : new Promise<unknown>((resolve, reject) => {
            this.client.query(
              new CopyingQuery(message, copies, (error, result) => (error ? reject(error) : resolve(result))),
            )
          })
    const results = (await this.sent(answer)) as pg.QueryResult | pg.QueryResult[]
    return Array.isArray(results) ? results[results.length - 1]! : results
  }

  /**
   * A statement's answer; when the connection dropped before it was sent, the reason it dropped (the server's
   * `terminating connection`, 57P01; a reset) rather than pg's "Client has encountered a connection error".
   */
  private async sent<R>(answer: Promise<R>): Promise<R> {
    try {
      return await answer
    } catch (error) {
      throw this.lost ?? error
    }
  }

  /** The statement with its values as literals: pg's own text of each value (prepareValue), quoted. */
  private inline(text: string, params: readonly SqlValue[]): string {
    if (params.length === 0) return text
    return inlined(text, (index) => {
      if (index >= params.length) throw new RangeError(`no value for $${index + 1} in ${text}`)
      const value = prepareValue(params[index])
      if (value === null) return 'NULL'
      return quoted(Buffer.isBuffer(value) ? `\\x${value.toString('hex')}` : String(value))
    })
  }
}

/**
 * A string literal of text, as pg's escapeLiteral writes it (quotes doubled; with a backslash, an E'' literal with
 * backslashes doubled, which reads the same whatever standard_conforming_strings says), without its walk character
 * by character: a page's literals are many and mostly plain.
 */
export function quoted(text: string): string {
  const inner = text.includes("'") ? text.replaceAll("'", "''") : text
  return inner.includes('\\') ? ` E'${inner.replaceAll('\\', '\\\\')}'` : `'${inner}'`
}

/** The statement without the `;` and blanks it may end with (an empty statement between two would answer too). */
function unterminated(text: string): string {
  let end = text.length
  while (end > 0) {
    const c = text.charCodeAt(end - 1)
    if (c !== 59 && c > 32) break
    end--
  }
  return end === text.length ? text : text.slice(0, end)
}

/** An integer the parser would not turn into a number; refuseUnsafe names its column. */
class Unsafe {
  constructor(readonly text: string) {}
}

function getTypeParser(oid: number, format?: 'text' | 'binary'): unknown {
  if (oid === INT8) return parseInteger
  // sum() of bigint is numeric: an integer like SQLite's sum(), or a fraction (avg()) like SQLite's REAL.
  if (oid === NUMERIC) return (text: string) => (text.includes('.') ? Number(text) : parseInteger(text))
  return pg.types.getTypeParser(oid, format)
}

function parseInteger(text: string): number | Unsafe {
  const value = Number(text)
  return Number.isSafeInteger(value) ? value : new Unsafe(text)
}

// A type parser has no column name, and throwing in one would break the connection mid-message: mark, then check.
function refuseUnsafe(result: pg.QueryResult): void {
  const integers = result.fields.filter((field) => field.dataTypeID === INT8 || field.dataTypeID === NUMERIC)
  if (integers.length === 0) return
  for (const row of result.rows as Record<string, unknown>[]) {
    for (const {name} of integers) {
      const value = row[name]
      if (value instanceof Unsafe) throw unsafeInteger(name, value.text)
    }
  }
}
