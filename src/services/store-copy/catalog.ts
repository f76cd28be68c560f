import type {Queryable, Store} from '../../store/seam/store.js'

/** A ledger table as the copy needs it, read from the store's own catalog: no hand-kept list to drift. */
export interface Table {
  name: string
  /** In the table's column order. */
  columns: string[]
  primaryKey: string[]
  /** Tables its foreign keys point at (itself included, for a self-reference). */
  references: string[]
  /** The column numbered by the store when an insert leaves it out (a rowid alias, an identity column). */
  identity: string | undefined
  /** SQLite AUTOINCREMENT: the last number handed out is kept in sqlite_sequence and never reused. */
  autoincrement: boolean
}

/**
 * Every ledger table of the store, by name. Left out: each engine's own bookkeeping, which is not the ledger and
 * which each store keeps for itself (SQLite's sqlite_* tables, PostgreSQL's yms_schema: the schema version).
 */
export async function readCatalog(q: Queryable, kind: Store['kind']): Promise<Table[]> {
  return kind === 'sqlite' ? sqliteCatalog(q) : pgCatalog(q)
}

async function sqliteCatalog(q: Queryable): Promise<Table[]> {
  const tables = await q.all<{name: string; sql: string}>(
    "SELECT name, sql FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite!_%' ESCAPE '!' ORDER BY name",
  )
  const catalog: Table[] = []
  for (const {name, sql} of tables) {
    const columns = await q.all<{name: string; type: string; pk: number}>(
      'SELECT name, type, pk FROM pragma_table_info(?) ORDER BY cid',
      [name],
    )
    const primaryKey = columns.filter((c) => c.pk > 0).sort((a, b) => a.pk - b.pk)
    const references = await q.all<{parent: string}>(
      'SELECT DISTINCT "table" AS parent FROM pragma_foreign_key_list(?) ORDER BY 1',
      [name],
    )
    // An INTEGER PRIMARY KEY of a rowid table is the rowid, numbered by SQLite.
    const rowid =
      primaryKey.length === 1 && primaryKey[0]!.type.toUpperCase() === 'INTEGER' && !/WITHOUT\s+ROWID/i.test(sql)
    catalog.push({
      name,
      columns: columns.map((c) => c.name),
      primaryKey: primaryKey.map((c) => c.name),
      references: references.map((r) => r.parent),
      identity: rowid ? primaryKey[0]!.name : undefined,
      autoincrement: /\bAUTOINCREMENT\b/i.test(sql),
    })
  }
  return catalog
}

async function pgCatalog(q: Queryable): Promise<Table[]> {
  const tables = await q.all<{name: string}>(
    `SELECT c.relname AS name FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
     WHERE n.nspname = current_schema() AND c.relkind = 'r' AND c.relname <> 'yms_schema' ORDER BY c.relname`,
  )
  const catalog: Table[] = []
  for (const {name} of tables) {
    const columns = await q.all<{name: string; identity: string}>(
      `SELECT attname AS name, attidentity AS identity FROM pg_attribute
       WHERE attrelid = CAST(? AS regclass) AND attnum > 0 AND NOT attisdropped ORDER BY attnum`,
      [name],
    )
    const primaryKey = await q.all<{name: string}>(
      `SELECT a.attname AS name
       FROM pg_index i CROSS JOIN LATERAL unnest(i.indkey::int2[]) WITH ORDINALITY AS k(attnum, ord)
       JOIN pg_attribute a ON a.attrelid = i.indrelid AND a.attnum = k.attnum
       WHERE i.indrelid = CAST(? AS regclass) AND i.indisprimary ORDER BY k.ord`,
      [name],
    )
    const references = await q.all<{parent: string}>(
      `SELECT DISTINCT confrelid::regclass::text AS parent FROM pg_constraint
       WHERE conrelid = CAST(? AS regclass) AND contype = 'f' ORDER BY 1`,
      [name],
    )
    catalog.push({
      name,
      columns: columns.map((c) => c.name),
      primaryKey: primaryKey.map((c) => c.name),
      references: references.map((r) => r.parent),
      identity: columns.find((c) => c.identity !== '')?.name,
      autoincrement: false,
    })
  }
  return catalog
}
