/**
 * One CSV line (RFC 4180) whose cells a spreadsheet will not run: a cell that begins with = + - @, a tab or a
 * carriage return is prefixed with ' unless it is a plain number (a negative balance stays a number). Kept as one
 * function so a shared CSV writer can replace it.
 */
export function csvRow(cells: ReadonlyArray<string | number | null | undefined>): string {
  return `${cells.map((cell) => csvCell(cell === null || cell === undefined ? '' : String(cell))).join(',')}\n`
}

const PLAIN_NUMBER = /^-?\d+(?:\.\d+)?$/
const FORMULA_START = /^[=+\-@\t\r]/

function csvCell(value: string): string {
  const safe = FORMULA_START.test(value) && !PLAIN_NUMBER.test(value) ? `'${value}` : value
  return /[",\r\n]|^\s|\s$/.test(safe) ? `"${safe.replace(/"/g, '""')}"` : safe
}
