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
 * sql with what `replace` returns at each place outside literals, quoted identifiers and comments (undefined: the
 * character stays).
 */
function rewrite(sql: string, replace: (at: number) => {text: string; length: number} | undefined): string {
  let out = ''
  let i = 0
  while (i < sql.length) {
    const c = sql[i]
    const skipTo = (end: number) => {
      const stop = end < 0 ? sql.length : end
      out += sql.slice(i, stop)
      i = stop
    }
    if (c === "'" || c === '"') skipTo(quotedEnd(sql, i, c))
    else if (c === '-' && sql[i + 1] === '-') skipTo(lineEnd(sql, i))
    else if (c === '/' && sql[i + 1] === '*') skipTo(sql.indexOf('*/', i + 2) < 0 ? -1 : sql.indexOf('*/', i + 2) + 2)
    else {
      const replaced = c === '?' || c === '@' ? replace(i) : undefined
      out += replaced?.text ?? c
      i += replaced?.length ?? 1
    }
  }
  return out
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
