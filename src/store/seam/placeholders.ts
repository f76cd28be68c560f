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
  let out = ''
  let n = 0
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
    else if (c === '?') {
      // SQLite's ?NNN names a parameter by number, which mixed with plain ? numbers differently than $n would.
      if (/[0-9]/.test(sql[i + 1] ?? '')) throw new Error(`numbered ?N parameters are not portable: ${sql}`)
      out += `$${++n}`
      i++
    } else {
      out += c
      i++
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
