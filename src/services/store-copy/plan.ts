import {ConfigError} from '../../core/errors.js'
import type {Table} from './catalog.js'

/**
 * Tables whose rows the store's triggers write from another table's inserts: ledger_balances is kept from
 * ledger_postings. Each is copied after that table, so the triggers build it first and the copy then adds only
 * the rows no posting makes (a balance whose postings a provider purge removed, left at zero); the checks compare
 * every balance with the source's and with its postings. The alternative, copying balances as they are with the
 * trigger switched off, needs a superuser on PostgreSQL (session_replication_role) or dropping a trigger on
 * SQLite, and would carry a source whose balances disagree with its postings into the copy unnoticed.
 */
export const DERIVED_FROM: Readonly<Record<string, string>> = {ledger_balances: 'ledger_postings'}

/**
 * The tables in an order every foreign key (and DERIVED_FROM) allows: each after the tables it points at, ties by
 * name. A self-reference is left to the rows' own order (a batch is one statement, checked at its end).
 */
export function copyOrder(tables: readonly Table[]): Table[] {
  const byName = new Map(tables.map((t) => [t.name, t]))
  const after = (t: Table) =>
    [...t.references, ...(DERIVED_FROM[t.name] ? [DERIVED_FROM[t.name]!] : [])].filter((p) => p !== t.name)
  for (const t of tables) {
    const unknown = after(t).filter((p) => !byName.has(p))
    if (unknown.length > 0) throw new Error(`${t.name} depends on ${unknown.join(', ')}, which is not a ledger table`)
  }
  const done = new Set<string>()
  const order: Table[] = []
  while (order.length < tables.length) {
    const ready = tables.find((t) => !done.has(t.name) && after(t).every((p) => done.has(p)))
    if (ready === undefined) throw new Error('the foreign keys of the ledger tables form a cycle')
    done.add(ready.name)
    order.push(ready)
  }
  return order
}

/**
 * The source and the target must have the same tables and columns: a copy between two schema versions would drop
 * or invent data. Both are migrated to this code's version first, so a difference is a bug, said plainly.
 */
export function refuseDifferentSchemas(source: readonly Table[], target: readonly Table[]): void {
  const shape = (tables: readonly Table[]) => new Map(tables.map((t) => [t.name, t.columns.join(', ')]))
  const a = shape(source)
  const b = shape(target)
  const differ = [...new Set([...a.keys(), ...b.keys()])].filter((name) => a.get(name) !== b.get(name)).sort()
  if (differ.length === 0) return
  throw new ConfigError(
    `the source and the target ledgers differ in ${differ.join(', ')}: the copy would not be exact`,
    'Both must be at the same schema version; upgrade yms-pay, or name another target.',
    'schema_mismatch',
  )
}
