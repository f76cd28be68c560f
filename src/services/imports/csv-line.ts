/**
 * One CSV line -> its cells (RFC 4180 quoting, comma-separated). Every line is one record: no field of the
 * imports may hold a line break, so a quote left open is an error of that line alone, and the next line is read
 * afresh. (csv-parse cannot resynchronise after a bad quote: it reported one bad line several times and swallowed
 * the good lines after it.) Unquoted cells are trimmed; spaces around a quoted cell are allowed.
 */
export type CsvLine = {cells: string[]} | {error: string}

const BLANK = /[ \t]/

export function parseCsvLine(text: string): CsvLine {
  const cells: string[] = []
  let i = 0
  for (;;) {
    const column = cells.length + 1
    let start = i
    while (start < text.length && BLANK.test(text[start]!)) start++
    if (text[start] === '"') {
      const quoted = readQuoted(text, start + 1, column)
      if ('error' in quoted) return quoted
      let end = quoted.end
      while (end < text.length && BLANK.test(text[end]!)) end++
      if (end < text.length && text[end] !== ',') {
        return {
          error: `${JSON.stringify(text[end])} after the closing quote of column ${column} (a quote inside a quoted value is written twice: "")`,
        }
      }
      cells.push(quoted.value)
      if (end >= text.length) return {cells}
      i = end + 1
      continue
    }
    const comma = text.indexOf(',', i)
    const value = text.slice(i, comma === -1 ? text.length : comma).trim()
    if (value.includes('"')) {
      return {error: `a quote inside the unquoted column ${column} (quote the whole value and write the quote twice)`}
    }
    cells.push(value)
    if (comma === -1) return {cells}
    i = comma + 1
  }
}

/** The value of a quoted cell whose opening quote is just before `from`, and the index after its closing quote. */
function readQuoted(text: string, from: number, column: number): {value: string; end: number} | {error: string} {
  let value = ''
  let at = from
  for (;;) {
    const quote = text.indexOf('"', at)
    if (quote === -1) {
      return {error: `the quote opening column ${column} is not closed on this line (a value may not span lines)`}
    }
    value += text.slice(at, quote)
    if (text[quote + 1] !== '"') return {value, end: quote + 1}
    value += '"'
    at = quote + 2
  }
}
