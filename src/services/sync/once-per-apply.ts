import type {Db} from '../../store/db.js'

/**
 * A read a reaction makes once per applyItems call (a sync page, a webhook delivery, a replay) instead of once per
 * transaction in it. The call runs inside one write transaction, so a table the apply itself never writes (rules,
 * settings) cannot change meanwhile, and the value read first is the one every later transaction would read.
 * Keyed by the read function, so pass a module-level function, not a new closure per call.
 */
export type OncePerApply = <T>(read: (db: Db) => T) => T

export function oncePerApply(db: Db): OncePerApply {
  const values = new Map<(db: Db) => unknown, unknown>()
  return <T>(read: (db: Db) => T): T => {
    if (!values.has(read)) values.set(read, read(db))
    return values.get(read) as T
  }
}
