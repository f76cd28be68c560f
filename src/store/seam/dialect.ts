import type {Store} from './store.js'

/**
 * The few words the two engines spell differently, for SQL written once. Only what a caller needs is here; every
 * entry says why it cannot be written the same on both.
 */
export interface Dialect {
  /**
   * `IN` a list bound as one parameter (its JSON text, from `list`): the statement text stays the same whatever the
   * list's length, so it is prepared (SQLite) and translated (PostgreSQL) once, not once per length. SQLite reads a
   * JSON array with json_each; PostgreSQL with json_array_elements_text, whose text must be cast to the column's
   * type (bigint is not compared with text).
   */
  inList(type: 'text' | 'integer'): string
}

/** The parameter for Dialect.inList. */
export function list(values: ReadonlyArray<string | number>): string {
  return JSON.stringify(values)
}

const sqlite: Dialect = {
  inList: () => 'IN (SELECT value FROM json_each(?))',
}

const postgres: Dialect = {
  inList: (type) => `IN (SELECT json_array_elements_text(CAST(? AS json))::${type === 'text' ? 'text' : 'bigint'})`,
}

export function dialect(kind: Store['kind']): Dialect {
  return kind === 'sqlite' ? sqlite : postgres
}
