import type {Db} from '../db.js'
import type {Store} from '../seam/store.js'
import type {Engine, Ops} from './op.js'
import {runAsync} from './run-async.js'
import {runSync} from './run-sync.js'

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
  /** body in one write transaction: committed when it returns, rolled back when it throws. */
  write<T>(body: Ops<T>): Promise<T>
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
  return {
    engine: 'sqlite',
    db,
    read: (body) => settled(() => db.read(() => runSync(db, body))),
    write: (body) => settled(() => db.write(() => runSync(db, body))),
  }
}

/**
 * A seam Store (PostgreSQL in use; SQLite for tests holding both engines to one contract): each statement awaited.
 * `clock` gives the time `now()` answers (epoch ms), as Db's does for SQLite.
 */
export function storeHandle(store: Store, clock: () => number = Date.now): LedgerHandle {
  const now = () => new Date(clock()).toISOString()
  const engine = store.kind
  return {
    engine,
    read: (body) => store.read((q) => runAsync({engine, store, q, now}, body)),
    write: (body) => store.write((q) => runAsync({engine, store, q, now}, body)),
  }
}
