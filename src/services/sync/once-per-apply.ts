import type {Db} from '../../store/db.js'

/**
 * A read a reaction makes once per applyItems call (a sync page, a webhook delivery, a replay) instead of once per
 * transaction in it. The call runs inside one write transaction, so a table the apply itself never writes (rules,
 * settings, providers, alert targets) cannot change meanwhile, and the value read first is the one every later
 * transaction would read. Keyed by the read function and its one argument (a provider id, an event name), so pass
 * a module-level function, not a new closure per call. Callers share the value: they must not change it.
 */
export interface OncePerApply {
  <T>(read: (db: Db) => T): T
  <T>(read: (db: Db, key: string) => T, key: string): T
}

export function oncePerApply(db: Db): OncePerApply {
  const values = new Map<(db: Db, key: string) => unknown, Map<string | undefined, unknown>>()
  return <T>(read: (db: Db, key: string) => T, key?: string): T => {
    let byKey = values.get(read)
    if (!byKey) values.set(read, (byKey = new Map()))
    if (!byKey.has(key)) byKey.set(key, read(db, key!))
    return byKey.get(key) as T
  }
}
