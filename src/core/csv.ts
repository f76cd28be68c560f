/**
 * The one CSV writer: every CSV file yms-pay writes (the audit export, the sandbox's YMS export) goes through it.
 *
 * Quoting is RFC 4180. A cell that a spreadsheet would run as a formula (OWASP "CSV injection": one beginning with
 * = + - @ tab or CR) gets a leading apostrophe, which spreadsheets show as text. A plain decimal number such as
 * "-12.50" is a number to every spreadsheet, not a formula, so it is written as is. A cell that already begins
 * with an apostrophe followed by one of those characters (or by another apostrophe) gets one too, so the rule is
 * exactly reversible: fromCsvCell gives back the original text, which the imports apply to every CSV cell.
 */

const FORMULA_START = /^[=+\-@\t\r]/
const PLAIN_NUMBER = /^-?\d+(?:\.\d+)?$/
const NEUTRALISED = /^'[=+\-@\t\r']/
const NEEDS_QUOTES = /[",\r\n]|^\s|\s$/

function neutralise(text: string): string {
  if (PLAIN_NUMBER.test(text)) return text
  return FORMULA_START.test(text) || NEUTRALISED.test(text) ? `'${text}` : text
}

/** One cell: neutralised, then quoted when it holds a comma, quote, line break or edge space. null is empty. */
export function csvCell(value: string | number | null): string {
  if (value === null) return ''
  const text = typeof value === 'number' ? String(value) : neutralise(value)
  return NEEDS_QUOTES.test(text) ? `"${text.replace(/"/g, '""')}"` : text
}

/** One record with its line end (CRLF by default, as RFC 4180 has it). */
export function csvRow(values: ReadonlyArray<string | number | null>, eol = '\r\n'): string {
  return values.map(csvCell).join(',') + eol
}

/** The text a cell was written from: undoes the apostrophe csvCell adds (after CSV unquoting). */
export function fromCsvCell(cell: string): string {
  return NEUTRALISED.test(cell) ? cell.slice(1) : cell
}
