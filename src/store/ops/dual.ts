import type {Db} from '../db.js'
import type {Ops} from './op.js'
import {runSync} from './run-sync.js'

/**
 * A repository function callable both ways: `fn(db, …args)` runs it on a SQLite Db, synchronously, as every
 * repository call did before there was a second engine; `fn.ops(…args)` gives its statements, for a transaction
 * body written once (`yield* fn.ops(…)`) that either engine runs (ledger-handle.ts).
 */
export interface Dual<A extends unknown[], T> {
  (db: Db, ...args: A): T
  readonly ops: (...args: A) => Ops<T>
}

export function dual<A extends unknown[], T>(ops: (...args: A) => Ops<T>): Dual<A, T> {
  return Object.assign((db: Db, ...args: A): T => runSync(db, ops(...args)), {ops})
}
