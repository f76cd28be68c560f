import type {Dual} from '../../store/ops/dual.js'
import type {Ops} from '../../store/ops/op.js'

/**
 * A read a reaction makes once per applyItems call (a sync page, a webhook delivery, a replay) instead of once per
 * transaction in it. The call runs inside one write transaction, so a table the apply itself never writes (rules,
 * settings, providers, alert targets) cannot change meanwhile, and the value read first is the one every later
 * transaction would read. Keyed by the read function and its one argument (a provider id, an event name), so pass
 * a module-level repository function, not a new one per call. Callers share the value: they must not change it.
 */
export interface OncePerApply {
  <T>(read: Dual<[], T>): Ops<T>
  /** A key that is an object (the apply's own list of transactions) is one key by identity. */
  <T, K>(read: Dual<[K], T>, key: K): Ops<T>
}

export function oncePerApply(): OncePerApply {
  const values = new Map<unknown, Map<unknown, unknown>>()
  return function* once<T>(read: Dual<[], T> | Dual<[unknown], T>, key?: unknown): Ops<T> {
    let byKey = values.get(read)
    if (!byKey) values.set(read, (byKey = new Map()))
    if (!byKey.has(key)) byKey.set(key, yield* (read as Dual<[unknown], T>).ops(key))
    return byKey.get(key) as T
  }
}
