import type Database from 'better-sqlite3'
import type pg from 'pg'

/**
 * A table as both stores can describe it, in PostgreSQL's type names: what the schema-equivalence test compares.
 * Names and shapes, not the text of expressions, which differ by dialect (CHECKs are counted; their behaviour is
 * what pg-constraints.test.ts compares).
 */
export interface TableShape {
  columns: string[]
  primaryKey: string[]
  uniques: string[]
  indexes: string[]
  foreignKeys: string[]
  checks: number
  triggers: string[]
}

export type SchemaShape = Record<string, TableShape>

const SQLITE_TYPES: Record<string, string> = {INTEGER: 'bigint', TEXT: 'text', BLOB: 'bytea'}

const column = (name: string, type: string, notNull: boolean, dflt: string | null, identity: boolean) =>
  `${name} ${type}${notNull ? ' not null' : ''}${dflt === null ? '' : ` default ${dflt}`}${identity ? ' identity' : ''}`
const index = (name: string | null, columns: string[], unique: boolean, partial: boolean) =>
  `${name ?? ''}${name ? ' ' : ''}(${columns.join(', ')})${unique ? ' unique' : ''}${partial ? ' partial' : ''}`
const foreignKey = (from: string[], table: string, to: string[], onDelete: string) =>
  `(${from.join(', ')}) -> ${table}(${to.join(', ')}) on delete ${onDelete}`

export function sqliteShape(raw: Database.Database): SchemaShape {
  const tables = raw
    .prepare("SELECT name, sql FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%' ORDER BY name")
    .all() as Array<{name: string; sql: string}>
  const shape: SchemaShape = {}
  for (const {name, sql} of tables) {
    const info = raw.pragma(`table_info(${name})`) as Array<{
      name: string
      type: string
      notnull: number
      dflt_value: string | null
      pk: number
    }>
    const primaryKey = info.filter((c) => c.pk > 0).sort((a, b) => a.pk - b.pk)
    // INTEGER PRIMARY KEY of a rowid table is the rowid: numbered by SQLite when the insert leaves it out.
    const rowidAlias =
      primaryKey.length === 1 && primaryKey[0]?.type === 'INTEGER' && !/WITHOUT ROWID/i.test(sql) ? primaryKey[0] : null
    const indexes = raw.pragma(`index_list(${name})`) as Array<{
      name: string
      unique: number
      origin: 'c' | 'u' | 'pk'
      partial: number
    }>
    const indexColumns = (index: string) =>
      (raw.pragma(`index_xinfo(${index})`) as Array<{cid: number; name: string | null; key: number}>)
        .filter((c) => c.key === 1)
        .map((c) => (c.cid === -2 ? '<expression>' : (c.name ?? '<rowid>')))
    const fks = raw.pragma(`foreign_key_list(${name})`) as Array<{
      id: number
      table: string
      from: string
      to: string
      on_delete: string
    }>
    const fkIds = [...new Set(fks.map((f) => f.id))]
    const triggers = raw
      .prepare("SELECT sql FROM sqlite_master WHERE type = 'trigger' AND tbl_name = ?")
      .pluck()
      .all(name) as string[]
    shape[name] = {
      columns: info.map((c) =>
        column(
          c.name,
          SQLITE_TYPES[c.type] ?? `<${c.type}>`,
          // SQLite lets a rowid table's non-INTEGER PRIMARY KEY hold NULL (a legacy quirk); PostgreSQL never does,
          // and yms-pay never writes one: compared as NOT NULL.
          c.notnull === 1 || c.pk > 0,
          c.dflt_value,
          c === rowidAlias,
        ),
      ),
      primaryKey: primaryKey.map((c) => c.name),
      uniques: indexes
        .filter((i) => i.origin === 'u')
        .map((i) => index(null, indexColumns(i.name), true, i.partial === 1))
        .sort(),
      indexes: indexes
        .filter((i) => i.origin === 'c')
        .map((i) => index(i.name, indexColumns(i.name), i.unique === 1, i.partial === 1))
        .sort(),
      foreignKeys: fkIds
        .map((id) => {
          const parts = fks.filter((f) => f.id === id)
          return foreignKey(
            parts.map((f) => f.from),
            parts[0]!.table,
            parts.map((f) => f.to),
            parts[0]!.on_delete.toLowerCase(),
          )
        })
        .sort(),
      checks: countChecks(sql),
      triggers: triggers.map(sqliteTrigger).sort(),
    }
  }
  return shape
}

/** CHECK constraints in a CREATE TABLE, outside comments and string literals. */
function countChecks(sql: string): number {
  const code = sql.replace(/--[^\n]*/g, '').replace(/'(?:[^']|'')*'/g, "''")
  return code.match(/\bCHECK\s*\(/gi)?.length ?? 0
}

function sqliteTrigger(sql: string): string {
  const match = /CREATE\s+TRIGGER\s+(\w+)\s+(BEFORE|AFTER)\s+(INSERT|UPDATE|DELETE)\s+ON/i.exec(sql)
  if (!match) throw new Error(`unexpected trigger: ${sql}`)
  return `${match[1]} ${match[2]!.toLowerCase()} ${match[3]!.toLowerCase()}`
}

const PG_ON_DELETE: Record<string, string> = {
  a: 'no action',
  r: 'restrict',
  c: 'cascade',
  n: 'set null',
  d: 'set default',
}

/**
 * The tables of the client's current schema, but yms_schema (the version, SQLite's user_version). TRUNCATE guards
 * are left out: SQLite has no TRUNCATE to guard against (they are tested on their own).
 */
export async function pgShape(client: pg.Client): Promise<SchemaShape> {
  const {rows: tables} = await client.query<{oid: number; name: string}>(
    `SELECT c.oid, c.relname AS name FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
     WHERE n.nspname = current_schema() AND c.relkind = 'r' AND c.relname <> 'yms_schema' ORDER BY c.relname`,
  )
  const shape: SchemaShape = {}
  for (const {oid, name} of tables) {
    const columns = await client.query<{
      name: string
      type: string
      not_null: boolean
      dflt: string | null
      identity: string
      collation: string | null
    }>(
      `SELECT a.attname AS name, format_type(a.atttypid, a.atttypmod) AS type, a.attnotnull AS not_null,
              pg_get_expr(d.adbin, d.adrelid) AS dflt, a.attidentity AS identity,
              (SELECT collname FROM pg_collation WHERE oid = a.attcollation) AS collation
       FROM pg_attribute a LEFT JOIN pg_attrdef d ON d.adrelid = a.attrelid AND d.adnum = a.attnum
       WHERE a.attrelid = $1 AND a.attnum > 0 AND NOT a.attisdropped ORDER BY a.attnum`,
      [oid],
    )
    const indexes = await client.query<{
      name: string
      unique: boolean
      primary: boolean
      partial: boolean
      constraint: boolean
      columns: string[]
    }>(
      `SELECT ic.relname AS name, ix.indisunique AS unique, ix.indisprimary AS primary, ix.indpred IS NOT NULL AS partial,
              EXISTS (SELECT 1 FROM pg_constraint con WHERE con.conindid = ix.indexrelid AND con.contype = 'u') AS constraint,
              ARRAY(SELECT CASE WHEN k.attnum = 0 THEN '<expression>' ELSE a.attname::text END
                    FROM unnest(ix.indkey::int2[]) WITH ORDINALITY AS k(attnum, ord)
                    LEFT JOIN pg_attribute a ON a.attrelid = ix.indrelid AND a.attnum = k.attnum
                    ORDER BY k.ord) AS columns
       FROM pg_index ix JOIN pg_class ic ON ic.oid = ix.indexrelid WHERE ix.indrelid = $1`,
      [oid],
    )
    const constraints = await client.query<{
      type: string
      columns: string[]
      ref_table: string | null
      ref_columns: string[] | null
      on_delete: string
    }>(
      `SELECT con.contype AS type,
              ARRAY(SELECT a.attname::text FROM unnest(con.conkey) WITH ORDINALITY AS k(attnum, ord)
                    JOIN pg_attribute a ON a.attrelid = con.conrelid AND a.attnum = k.attnum ORDER BY k.ord) AS columns,
              con.confrelid::regclass::text AS ref_table,
              ARRAY(SELECT a.attname::text FROM unnest(con.confkey) WITH ORDINALITY AS k(attnum, ord)
                    JOIN pg_attribute a ON a.attrelid = con.confrelid AND a.attnum = k.attnum ORDER BY k.ord) AS ref_columns,
              con.confdeltype AS on_delete
       FROM pg_constraint con WHERE con.conrelid = $1 AND con.contype IN ('p', 'f', 'c')`,
      [oid],
    )
    const triggers = await client.query<{name: string; type: number}>(
      'SELECT tgname AS name, tgtype AS type FROM pg_trigger WHERE tgrelid = $1 AND NOT tgisinternal',
      [oid],
    )
    shape[name] = {
      columns: columns.rows.map((c) => {
        // SQLite compares text bytewise (BINARY); a PostgreSQL column does so only with the "C" collation.
        const type = c.type === 'text' && c.collation !== 'C' ? `text collate ${c.collation}` : c.type
        return column(c.name, type, c.not_null, c.dflt?.replace(/::(text|bigint)$/, '') ?? null, c.identity !== '')
      }),
      primaryKey: constraints.rows.find((c) => c.type === 'p')?.columns ?? [],
      uniques: indexes.rows
        .filter((i) => i.constraint)
        .map((i) => index(null, i.columns, true, i.partial))
        .sort(),
      indexes: indexes.rows
        .filter((i) => !i.primary && !i.constraint)
        .map((i) => index(i.name, i.columns, i.unique, i.partial))
        .sort(),
      foreignKeys: constraints.rows
        .filter((c) => c.type === 'f')
        .map((c) => foreignKey(c.columns, c.ref_table!, c.ref_columns!, PG_ON_DELETE[c.on_delete]!))
        .sort(),
      checks: constraints.rows.filter((c) => c.type === 'c').length,
      triggers: triggers.rows
        .filter((t) => (t.type & TRUNCATE) === 0)
        .map((t) => `${t.name} ${t.type & BEFORE ? 'before' : 'after'} ${pgTriggerEvent(t.type)}`)
        .sort(),
    }
  }
  return shape
}

// pg_trigger.tgtype bits (PostgreSQL's trigger.h).
const BEFORE = 1 << 1
const INSERT = 1 << 2
const DELETE = 1 << 3
const UPDATE = 1 << 4
const TRUNCATE = 1 << 5

function pgTriggerEvent(type: number): string {
  const events = [
    [INSERT, 'insert'],
    [DELETE, 'delete'],
    [UPDATE, 'update'],
  ] as const
  return events
    .filter(([bit]) => type & bit)
    .map(([, event]) => event)
    .join(' or ')
}
