import {AsyncLocalStorage} from 'node:async_hooks'

import type {Db} from '../db.js'
import type {Store} from '../seam/store.js'
import type {Engine, Ops} from './op.js'
import {RESTART, restarted, type RestartPolicy} from './restart.js'
import {runAsync} from './run-async.js'
import {runSync} from './run-sync.js'

/**
 * A transaction body: its statements, or a function making them anew, which a write may run again from the start
 * (a generator, once begun, cannot be restarted). Pass a function when the body has no effect outside the ledger
 * that a second run would repeat.
 */
export type Body<T> = Ops<T> | (() => Ops<T>)

/**
 * One ledger, whichever engine holds it, for services whose transaction bodies are written once as statement
 * generators (op.ts). A body must not await anything else: a transaction never spans a gateway call.
 */
export interface LedgerHandle {
  readonly engine: Engine
  /**
   * The SQLite Db behind the handle, for the measured fast paths that are SQLite's own (the sync's writer thread,
   * the webhooks' commit worker, reconcile's SQL sinks) and for what only a file has (backup, integrity check).
   * Undefined on PostgreSQL, where the same service runs its plain statements through read/write.
   */
  readonly db?: Db
  /** body in one read snapshot. */
  read<T>(body: Ops<T>): Promise<T>
  /**
   * body in one write transaction: committed when it returns, rolled back when it throws. On PostgreSQL a body
   * given as a function is run again, in a new transaction, when the server broke a deadlock with it or refused it
   * for a serialization failure (40P01, 40001; a few times, after a jittered wait: restart.ts), unless this write is
   * itself nested in a transaction of the same store (a savepoint: the locks that made the deadlock are the outer
   * transaction's, so only the outermost write may start again).
   */
  write<T>(body: Body<T>): Promise<T>
}

function fresh<T>(body: Body<T>): Ops<T> {
  return typeof body === 'function' ? body() : body
}

/** SQLite: the body runs synchronously inside db.write/db.read, as the repositories always have. */
export function sqliteHandle(db: Db): LedgerHandle {
  const settled = <T>(fn: () => T): Promise<T> => {
    try {
      return Promise.resolve(fn())
    } catch (error) {
      return Promise.reject(error as Error)
    }
  }
  // One writer at a time: no deadlock to break, nothing to restart.
  return {
    engine: 'sqlite',
    db,
    read: (body) => settled(() => db.read(() => runSync(db, body))),
    write: (body) => settled(() => db.write(() => runSync(db, fresh(body)))),
  }
}

/** The stores whose write transactions the current async context runs inside (a handle's write, any handle). */
const writing = new AsyncLocalStorage<ReadonlySet<Store>>()

/**
 * A seam Store (PostgreSQL in use; SQLite for tests holding both engines to one contract): each statement awaited.
 * `clock` gives the time `now()` answers (epoch ms), as Db's does for SQLite.
 */
export function storeHandle(
  store: Store,
  clock: () => number = Date.now,
  restart: RestartPolicy = RESTART,
): LedgerHandle {
  const now = () => new Date(clock()).toISOString()
  const engine = store.kind
  const once = <T>(body: Body<T>): Promise<T> =>
    store.write((q) => {
      const inside = new Set(writing.getStore()).add(store)
      return writing.run(inside, () => runAsync({engine, store, q, now}, fresh(body)))
    })
  return {
    engine,
    read: (body) => store.read((q) => runAsync({engine, store, q, now}, body)),
    write: (body) =>
      typeof body !== 'function' || writing.getStore()?.has(store) ? once(body) : restarted(() => once(body), restart),
  }
}
