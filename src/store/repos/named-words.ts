import {words, type Words} from '../ops/dialect.js'
import type {Engine, Sql} from '../ops/op.js'

/**
 * The dialect words (ops/dialect.ts) for statements bound with `@name` parameters, and the two more they need. A
 * candidate for ops/dialect.ts, which this group may not edit.
 */
export interface NamedWords extends Words {
  /**
   * `@name IS NULL`, a filter left off. PostgreSQL cannot infer the type of a parameter that is only tested for
   * NULL ("could not determine data type"), so there it is cast; each filter of this kind compares text.
   */
  unset(name: string): string
  /** Words.inList with its list bound as `@name`: a statement cannot mix `?` and `@name` parameters. */
  inNamed(type: 'text' | 'integer', name: string): string
  /** Where `part` first starts in `text`, from 1, 0 when absent (case-sensitive): instr is SQLite's, strpos PostgreSQL's. */
  instr(text: string, part: string): string
}

function named(engine: Engine): NamedWords {
  const w = words(engine)
  return {
    ...w,
    unset: (name) => (engine === 'sqlite' ? `@${name} IS NULL` : `CAST(@${name} AS text) IS NULL`),
    inNamed: (type, name) => w.inList(type).replace('?', `@${name}`),
    instr: (text, part) => `${engine === 'sqlite' ? 'instr' : 'strpos'}(${text}, ${part})`,
  }
}

const sqlite = named('sqlite')
const postgres = named('postgres')

/** A statement written once, spelled for each engine at module load (ops/dialect.ts's bothWays, with @names). */
export function bothNamed(template: (w: NamedWords) => string): Sql {
  return {sqlite: template(sqlite), postgres: template(postgres)}
}
