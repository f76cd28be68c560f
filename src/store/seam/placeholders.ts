const MAX_CACHED = 2000
const cache = new Map<string, string>()

/**
 * PostgreSQL's text of a statement written with `?` placeholders: each becomes $1..$n in order. A `?` inside a
 * string literal, a quoted identifier or a comment is text, not a parameter, in both engines, and stays. Each text
 * is translated once: statements are constants, so the cache stays small (a runaway dynamic caller only empties it).
 */
export function numbered(sql: string): string {
  let translated = cache.get(sql)
  if (translated === undefined) {
    translated = translate(sql)
    if (cache.size >= MAX_CACHED) cache.clear()
    cache.set(sql, translated)
  }
  return translated
}

function translate(sql: string): string {
  let n = 0
  return rewrite(sql, (at) => {
    // SQLite's ?NNN names a parameter by number, which mixed with plain ? numbers differently than $n would.
    if (sql[at] !== '?') return undefined
    if (/[0-9]/.test(sql[at + 1] ?? '')) throw new Error(`numbered ?N parameters are not portable: ${sql}`)
    return {text: `$${++n}`, length: 1}
  })
}

const namedCache = new Map<string, {sql: string; names: string[]}>()

/**
 * A statement written with better-sqlite3's `@name` placeholders in PostgreSQL's form: each distinct name becomes
 * one `$n`, in order of first use, and `names` says which name binds each. One number per name, not per use: the
 * server infers a parameter's type from where it is used, and `@since IS NULL OR at >= @since` tells it nothing at
 * the first use (`could not determine data type`) and text at the second. As for `?`, an `@` inside a literal, a
 * quoted identifier or a comment is text; so is one not followed by a name (PostgreSQL's `@>`).
 */
export function fromNamed(sql: string): {sql: string; names: string[]} {
  let translated = namedCache.get(sql)
  if (translated === undefined) {
    const names: string[] = []
    const text = rewrite(sql, (at) => {
      if (sql[at] === '?') throw new Error(`a statement mixes ? and @name parameters: ${sql}`)
      if (sql[at] !== '@') return undefined
      const name = /^@([A-Za-z_][A-Za-z0-9_]*)/.exec(sql.slice(at, at + 64))?.[1]
      if (name === undefined) return undefined
      let index = names.indexOf(name)
      if (index < 0) index = names.push(name) - 1
      return {text: `$${index + 1}`, length: name.length + 1}
    })
    translated = {sql: text, names}
    if (namedCache.size >= MAX_CACHED) namedCache.clear()
    namedCache.set(sql, translated)
  }
  return translated
}

/**
 * A numbered statement (`$1`…`$n`) with its values written in as literals, for a batch of statements sent in one
 * message (pg-store.ts): PostgreSQL's simple protocol takes several statements at once but no parameters.
 * `literal(i)` is the text of value i (0-based); a `$n` inside a literal, a quoted identifier or a comment stays.
 * Dollar-quoted strings are not read here: a statement holding one is refused, not inlined wrongly. Each text is
 * read once (a page's multi-row inserts are a few texts, sent again and again): then only its values are written.
 */
export function inlined(sql: string, literal: (index: number) => string): string {
  let split = splits.get(sql)
  if (split === undefined) {
    split = splitAtNumbered(sql)
    if (splits.size >= MAX_SPLITS) splits.clear()
    splits.set(sql, split)
  }
  const {parts, params} = split
  const out: string[] = [parts[0]!]
  for (let i = 0; i < params.length; i++) out.push(literal(params[i]!), parts[i + 1]!)
  return out.join('')
}

/** The text around each `$n`, and n - 1 for each. */
interface Split {
  parts: string[]
  params: number[]
}

const MAX_SPLITS = 500
const splits = new Map<string, Split>()

function splitAtNumbered(sql: string): Split {
  if (/\$[A-Za-z_]*\$/.test(sql)) throw new Error(`a dollar-quoted statement cannot be inlined: ${sql}`)
  const parts: string[] = []
  const params: number[] = []
  let from = 0
  rewrite(
    sql,
    (at) => {
      const digits = /^\$([0-9]+)/.exec(sql.slice(at, at + 12))?.[1]
      if (digits === undefined) return undefined
      parts.push(sql.slice(from, at))
      params.push(Number(digits) - 1)
      from = at + digits.length + 1
      return {text: '', length: digits.length + 1}
    },
    '$',
  )
  parts.push(sql.slice(from))
  return {parts, params}
}

/**
 * sql with what `replace` returns at each place outside literals, quoted identifiers and comments that holds one
 * of `triggers` (undefined: the character stays).
 */
function rewrite(
  sql: string,
  replace: (at: number) => {text: string; length: number} | undefined,
  triggers = '?@',
): string {
  const out: string[] = []
  // sql[copied, i) is text that stays, not yet in out: copied in one slice, not character by character.
  let copied = 0
  let i = 0
  while (i < sql.length) {
    const c = sql[i]!
    if (c === "'" || c === '"') i = quotedEnd(sql, i, c)
    else if (c === '-' && sql[i + 1] === '-') i = lineEnd(sql, i)
    else if (c === '/' && sql[i + 1] === '*') {
      const close = sql.indexOf('*/', i + 2)
      i = close < 0 ? sql.length : close + 2
    } else if (triggers.includes(c)) {
      const replaced = replace(i)
      if (replaced === undefined) i++
      else {
        out.push(sql.slice(copied, i), replaced.text)
        i += replaced.length
        copied = i
      }
    } else i++
  }
  out.push(sql.slice(copied))
  return out.join('')
}

/** The index just past the closing quote; a doubled quote is an escaped one, in both engines. */
function quotedEnd(sql: string, start: number, quote: string): number {
  let i = start + 1
  for (;;) {
    const close = sql.indexOf(quote, i)
    if (close < 0) return sql.length
    if (sql[close + 1] !== quote) return close + 1
    i = close + 2
  }
}

function lineEnd(sql: string, start: number): number {
  const end = sql.indexOf('\n', start)
  return end < 0 ? sql.length : end
}
