import {dialect as seamDialect} from '../seam/dialect.js'
import type {Engine, Sql} from './op.js'

/**
 * The words of op.ts's SQL that the two engines spell differently, so a statement is written once as a template
 * and spelled for each (`bothWays`). Each entry says why one text cannot serve both.
 */
export interface Words {
  /** `IN` a list bound as one JSON parameter (seam/dialect.ts: one statement text whatever the list's length). */
  inList(type: 'text' | 'integer'): string
  /**
   * column starts with a constant prefix (letters, digits, `:`, `_` excepted: no wildcard of either engine).
   * SQLite's GLOB is case-sensitive and uses the column's index; PostgreSQL's LIKE on a `COLLATE "C"` column is
   * both (SQLite's LIKE is neither).
   */
  startsWith(column: string, prefix: string): string
  /**
   * A top-level field of a JSON text column, as text. PostgreSQL's spelling is the one its expression indexes
   * repeat (store/pg/migrations/baseline), or the index is not used.
   */
  jsonText(column: string, field: string): string
}

const sqlite: Words = {
  inList: seamDialect('sqlite').inList,
  startsWith: (column, prefix) => `${column} GLOB '${constant(prefix)}*'`,
  jsonText: (column, field) => `json_extract(${column}, '$.${name(field)}')`,
}

const postgres: Words = {
  inList: seamDialect('postgres').inList,
  startsWith: (column, prefix) => `${column} LIKE '${constant(prefix)}%'`,
  jsonText: (column, field) => `((${column}::json) ->> '${name(field)}')`,
}

export function words(engine: Engine): Words {
  return engine === 'sqlite' ? sqlite : postgres
}

/** A statement whose text differs by engine only in Words: the template runs once per engine, at module load. */
export function bothWays(template: (w: Words) => string): Sql {
  return {sqlite: template(sqlite), postgres: template(postgres)}
}

function constant(prefix: string): string {
  if (!/^[A-Za-z0-9:_-]*$/.test(prefix)) throw new Error(`not a constant prefix: ${prefix}`)
  return prefix
}

function name(field: string): string {
  if (!/^[A-Za-z_][A-Za-z0-9_]*$/.test(field)) throw new Error(`not a plain JSON field name: ${field}`)
  return field
}
