import type Database from 'better-sqlite3'

/**
 * Rows handed to JavaScript through an SQL function instead of as result rows: `SELECT count(f(a, b)) FROM ...`
 * calls `f` once per row with its values, and no row object or array is built for it. At a million rows this is
 * several times cheaper than `.iterate()` or `.all()` (test/bench/reconcile.ts), which is what lets most rows of a
 * reconciliation never become objects at all. The function is registered once per connection and dispatches to
 * whichever handler the running pass installed.
 */
export type SinkHandler = (...values: unknown[]) => unknown

const registered = new WeakMap<Database.Database, Map<string, SinkHandler | null>>()

/** Runs `fn` with `sinks` (name -> handler) callable from SQL as `name(...)`; they are uninstalled afterwards. */
export function withSinks<T>(raw: Database.Database, sinks: Record<string, SinkHandler>, fn: () => T): T {
  let current = registered.get(raw)
  if (!current) registered.set(raw, (current = new Map()))
  const table = current
  for (const [name, handler] of Object.entries(sinks)) {
    if (!table.has(name)) {
      raw.function(name, {varargs: true, deterministic: false}, (...values: unknown[]) => {
        const installed = table.get(name)
        if (!installed) throw new Error(`${name}() called outside its reconciliation pass`)
        return installed(...values) as number | null
      })
    }
    table.set(name, handler)
  }
  try {
    return fn()
  } finally {
    for (const name of Object.keys(sinks)) table.set(name, null)
  }
}
