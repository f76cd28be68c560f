import {AsyncLocalStorage} from 'node:async_hooks'

import {Serial} from './serial.js'
import type {Queryable} from './store.js'

export type Mode = 'read' | 'write'

/** One connection, as an implementation drives it; the bookkeeping common to both engines is here. */
export interface Session extends Queryable {
  begin(mode: Mode): Promise<void>
  /** Ends a transaction whose callback resolved (a read's too: both engines end one with COMMIT). */
  commit(): Promise<void>
  /**
   * Never throws: a connection that cannot roll back is discarded by its implementation, never used again, so the
   * callback's own error is what the caller sees.
   */
  rollback(): Promise<void>
  /** SAVEPOINT, RELEASE and ROLLBACK TO, which both engines spell the same way. */
  control(sql: string): Promise<void>
  /** Sends the statements `queue` left waiting, if any: a savepoint's, before its end, so their failure is its own. */
  flush(): Promise<void>
}

type Callback<T> = (q: Queryable) => Promise<T>

/**
 * A transaction, or a savepoint inside one. It remembers the first statement of its own that failed: PostgreSQL
 * then refuses everything until a rollback, and a COMMIT it accepts silently rolls back. SQLite would go on, so
 * both are held to PostgreSQL's rule here and a caller cannot get a transaction that commits on one engine and not
 * on the other.
 */
class Frame {
  readonly q: Queryable
  /** Nested writes of this frame, one at a time: savepoints are a stack, two interleaved would unwind each other. */
  readonly children = new Serial()
  ended = false
  private failure: {error: unknown} | undefined

  constructor(
    readonly session: Session,
    readonly mode: Mode,
    readonly depth: number,
  ) {
    this.q = guarded(this)
  }

  fail(error: unknown): void {
    this.failure ??= {error}
  }

  check(): void {
    if (this.ended) throw new Error('a Queryable was used after its transaction had ended')
    if (this.failure !== undefined) {
      throw new Error(
        'a statement of this transaction failed, so it can only roll back (run a statement that may fail in a nested write, and catch that)',
        {cause: this.failure.error},
      )
    }
  }
}

function guarded(frame: Frame): Queryable {
  const checked = async <R>(statement: () => Promise<R>): Promise<R> => {
    frame.check()
    try {
      return await statement()
    } catch (error) {
      frame.fail(error)
      throw error
    }
  }
  const {session} = frame
  return {
    all: (sql, params) => checked(() => session.all(sql, params)),
    get: (sql, params) => checked(() => session.get(sql, params)),
    run: (sql, params) => checked(() => session.run(sql, params)),
    queue: (sql, params) => checked(() => session.queue(sql, params)),
    copy: (table, columns, values) => checked(() => session.copy(table, columns, values)),
    iterate: <T>(sql: string, params?: Parameters<Queryable['iterate']>[1]) => ({
      async *[Symbol.asyncIterator]() {
        frame.check()
        try {
          yield* session.iterate<T>(sql, params)
        } catch (error) {
          frame.fail(error)
          throw error
        }
      },
    }),
  }
}

/**
 * Which transaction a call belongs to. A Store's read or write called from inside one of its callbacks (awaited or
 * not) must run on that callback's connection: a second connection would wait for the first one's locks (SQLite:
 * for its queue) while the first waits for the callback, for ever. AsyncLocalStorage follows the callback through
 * its awaits; one per Store, so another Store's calls are its own.
 */
export class Transactions {
  private readonly frames = new AsyncLocalStorage<Frame>()

  /** fn inside the transaction this call is made from, if any (a write as a savepoint); otherwise `start()`. */
  enter<T>(mode: Mode, fn: Callback<T>, start: () => Promise<T>): Promise<T> {
    const frame = this.frames.getStore()
    if (frame === undefined || frame.ended) return start()
    if (mode === 'read') return fn(frame.q)
    if (frame.mode === 'read') return Promise.reject(new Error('a write cannot run inside a read'))
    return frame.children.run(() => this.savepoint(frame, fn))
  }

  /** A whole transaction on session: begun here, committed when fn resolves, rolled back when it throws. */
  async run<T>(session: Session, mode: Mode, fn: Callback<T>): Promise<T> {
    await session.begin(mode)
    const frame = new Frame(session, mode, 0)
    let result: T
    try {
      result = await this.frames.run(frame, () => fn(frame.q))
      frame.check()
    } catch (error) {
      frame.ended = true
      await session.rollback()
      throw error
    }
    frame.ended = true
    try {
      await session.commit()
    } catch (error) {
      await session.rollback()
      throw error
    }
    return result
  }

  private async savepoint<T>(parent: Frame, fn: Callback<T>): Promise<T> {
    parent.check()
    const name = `seam_${parent.depth + 1}`
    // A savepoint statement that fails leaves the transaction in a state nothing here can vouch for: fail it whole.
    const control = (sql: string) =>
      parent.session.control(sql).catch((error: unknown) => {
        parent.fail(error)
        throw error
      })
    await control(`SAVEPOINT ${name}`)
    const frame = new Frame(parent.session, 'write', parent.depth + 1)
    try {
      const result = await this.frames.run(frame, () => fn(frame.q))
      frame.check()
      // The savepoint's queued statements are its own: one that fails undoes this savepoint, not its parent.
      await parent.session.flush()
      frame.ended = true
      await control(`RELEASE SAVEPOINT ${name}`)
      return result
    } catch (error) {
      frame.ended = true
      await control(`ROLLBACK TO SAVEPOINT ${name}`)
        .then(() => control(`RELEASE SAVEPOINT ${name}`))
        .catch(() => undefined)
      throw error
    }
  }
}
