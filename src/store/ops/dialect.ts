import {dialect as seamDialect} from '../seam/dialect.js'
import type {Engine, Sql} from './op.js'

/**
 * The words of op.ts's SQL that the two engines spell differently, so a statement is written once as a template
 * and spelled for each (`bothWays`). Each entry says why one text cannot serve both. SQLite's spelling of every word
 * is what its statements said before there was a second engine: its texts, plans and indexes stay as they were.
 *
 * A word that takes a parameter takes it as written in the statement, `?` or `@name` (a statement uses one kind or
 * the other), and writes it once: a `?` binds one value on both engines.
 */
export interface Words {
  /**
   * `IN` a list bound as one JSON parameter (seam/dialect.ts: one statement text whatever the list's length).
   * SQLite reads the array with json_each, PostgreSQL with json_array_elements_text cast to the column's type.
   */
  inList(type: 'text' | 'integer', param?: string): string
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
  /**
   * `param IS NULL`, an optional filter left off (`(${unset('@site')} OR site = @site)`), for a text parameter.
   * PostgreSQL types a parameter where it first meets it and a bare `$1 IS NULL` gives it none ("could not determine
   * data type of parameter $1"), so there it is cast to text.
   */
  unset(param: string): string
  /**
   * LIMIT's count, where a negative one (bind -1) means no limit: SQLite's rule (it refuses NULL there, "datatype
   * mismatch"). PostgreSQL refuses a negative LIMIT and means none by NULL, so there a negative count becomes NULL.
   */
  limit(param: string): string
  /**
   * A camelCase column alias (`AS ${alias('invoiceRef')}`): PostgreSQL folds an unquoted name to lower case (the
   * field would come back as `invoiceref`), so there it is quoted.
   */
  alias(name: string): string
  /**
   * How many rows a condition holds for, as SUM counts them (NULL over no rows): SQLite's comparison is 0 or 1 and
   * sums; PostgreSQL's is a boolean, which sum() refuses, so there it is cast to an integer first.
   */
  sumTrue(condition: string): string
  /**
   * The stored row's column in an upsert's `DO UPDATE` (`seen_count = ${stored('t', 'seen_count')} + 1`):
   * PostgreSQL finds a bare name ambiguous between that row and `excluded`, so there it is named by its table.
   */
  stored(table: string, column: string): string
  /**
   * Where `part` first starts in `text`, from 1, 0 when absent (case-sensitive, both): SQLite's function is instr,
   * PostgreSQL's strpos.
   */
  instr(text: string, part: string): string
  /**
   * SQLite's index hint, written right after the table's name (`FROM t${indexedBy('t_site')}`). PostgreSQL has no
   * such hint (its planner chooses), so there it is nothing.
   */
  indexedBy(index: string): string
  /**
   * The order SQLite's GROUP BY hands its groups out in, by their keys (it sorts them, or walks an index, to group),
   * asked of PostgreSQL, whose hash aggregate need not keep it: written right after the GROUP BY
   * (`GROUP BY a, b${groupOrder('a, b')}`), an ORDER BY there and nothing on SQLite.
   */
  groupOrder(keys: string): string
}

const sqlite: Words = {
  inList: (type, param = '?') => parameterIn(seamDialect('sqlite').inList(type), param),
  startsWith: (column, prefix) => `${column} GLOB '${constant(prefix)}*'`,
  jsonText: (column, field) => `json_extract(${column}, '$.${name(field)}')`,
  unset: (param) => `${parameter(param)} IS NULL`,
  limit: (param) => parameter(param),
  alias: (alias) => name(alias),
  sumTrue: (condition) => `SUM(${condition})`,
  stored: (table, column) => {
    name(table)
    return name(column)
  },
  instr: (text, part) => `instr(${text}, ${part})`,
  indexedBy: (index) => ` INDEXED BY ${name(index)}`,
  groupOrder: () => '',
}

const postgres: Words = {
  inList: (type, param = '?') => parameterIn(seamDialect('postgres').inList(type), param),
  startsWith: (column, prefix) => `${column} LIKE '${constant(prefix)}%'`,
  jsonText: (column, field) => `((${column}::json) ->> '${name(field)}')`,
  unset: (param) => `CAST(${parameter(param)} AS text) IS NULL`,
  // The parameter once (a `?` is one value): GREATEST ignores a NULL, so NULL and every negative count become -1,
  // which NULLIF makes NULL.
  limit: (param) => `NULLIF(GREATEST(CAST(${parameter(param)} AS bigint), -1), -1)`,
  alias: (alias) => `"${name(alias)}"`,
  sumTrue: (condition) => `SUM((${condition})::int)`,
  stored: (table, column) => `${name(table)}.${name(column)}`,
  instr: (text, part) => `strpos(${text}, ${part})`,
  indexedBy: (index) => {
    name(index)
    return ''
  },
  groupOrder: (keys) => ` ORDER BY ${keys}`,
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

/** A plain name: a JSON field, a column, a table, an index, an alias. */
function name(field: string): string {
  if (!/^[A-Za-z_][A-Za-z0-9_]*$/.test(field)) throw new Error(`not a plain name: ${field}`)
  return field
}

function parameter(param: string): string {
  if (!/^(\?|@[A-Za-z_][A-Za-z0-9_]*)$/.test(param)) throw new Error(`not a parameter (? or @name): ${param}`)
  return param
}

/** seam/dialect.ts's inList, whose list is its one `?`, with the list bound as `param` instead. */
function parameterIn(inList: string, param: string): string {
  const [before, after, ...more] = inList.split('?')
  if (after === undefined || more.length > 0) throw new Error('inList is expected to hold one ? parameter')
  return `${before}${parameter(param)}${after}`
}
