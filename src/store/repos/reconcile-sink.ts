import type Database from 'better-sqlite3'

/**
 * Rows handed to JavaScript through an SQL function instead of as result rows: `SELECT count(f(a, b)) FROM ...`
 * calls `f` once per row with its values, and no row object or array is built for it. At a million rows this is
 * several times cheaper than `.iterate()` or `.all()` (test/bench/reconcile.ts), which is what lets most rows of a
 * reconciliation never become objects at all.
 */
export type SinkHandler = (...values: never[]) => number | null

/**
 * Runs `fn` with `sinks` (name -> handler) callable from SQL as `name(...)`, each with its handler's own arity.
 * Registered directly, not behind a dispatcher: a rest-parameter wrapper allocated an array per row and doubled the
 * time spent in JavaScript (measured). Afterwards each name refuses to be called, so a stray call cannot write into
 * a finished pass.
 */
export function withSinks<T>(raw: Database.Database, sinks: Record<string, SinkHandler>, fn: () => T): T {
  for (const [name, handler] of Object.entries(sinks)) raw.function(name, {deterministic: false}, handler as never)
  try {
    return fn()
  } finally {
    for (const [name, handler] of Object.entries(sinks)) {
      // Same name and arity: replaces the handler, and with it the closure over the pass's arrays.
      const refuse = () => {
        throw new Error(`${name}() called outside its reconciliation pass`)
      }
      Object.defineProperty(refuse, 'length', {value: handler.length})
      raw.function(name, {deterministic: false}, refuse)
    }
  }
}
