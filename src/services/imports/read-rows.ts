import {fromCsvCell} from '../../core/csv.js'
import {UsageError} from '../../core/errors.js'
import {parseCsvLine} from './csv-line.js'
import type {RowFormat} from './input-file.js'
import {readUtf8Lines, type Line} from './utf8-lines.js'

/** One input record with the 1-based file line it came from, or the reason it could not be read at all. */
export type RawRow = {line: number; record: Record<string, string>} | {line: number; error: string}

/** A CSV file's header (its first non-blank line), ahead of its rows. */
export interface Header {
  line: number
  names: string[]
}

export type TableItem = {header: Header} | RawRow

/**
 * Streams rows so that a 100k-row file never sits in memory whole. Every non-blank line after a CSV header is one
 * row: a record, or an error naming why that line cannot be read. A header that cannot be read is a usage error.
 */
export async function* readTable(file: string, format: RowFormat): AsyncGenerator<TableItem> {
  const lines = nonBlank(readUtf8Lines(file))
  if (format === 'jsonl') {
    for await (const {line, text} of lines) yield jsonRow(line, text)
    return
  }
  let header: Header | undefined
  for await (const {line, text} of lines) {
    const parsed = parseCsvLine(text)
    if (!header) {
      if ('error' in parsed) throw headerError(file, line, `unreadable CSV: ${parsed.error}`)
      header = {line, names: parsed.cells}
      yield {header}
    } else if ('error' in parsed) {
      yield {line, error: `unreadable CSV: ${parsed.error}`}
    } else if (parsed.cells.length !== header.names.length) {
      yield {
        line,
        error: `expected ${header.names.length} columns (${header.names.join(',')}), found ${parsed.cells.length}`,
      }
    } else {
      yield {line, record: toRecord(header.names, parsed.cells)}
    }
  }
}

/** The rows alone (the header already checked). */
export async function* readRows(file: string, format: RowFormat): AsyncGenerator<RawRow> {
  for await (const item of readTable(file, format)) if (!('header' in item)) yield item
}

export function headerError(file: string, line: number, problems: string, hint?: string): UsageError {
  return new UsageError(`${file} line ${line} (the header): ${problems}`, hint, 'bad_header')
}

async function* nonBlank(lines: AsyncIterable<Line>): AsyncGenerator<Line> {
  for await (const line of lines) if (line.text.trim() !== '') yield line
}

/** Empty cells mean "not given"; a cell yms-pay's CSV writer neutralised comes back as the text it was written from. */
function toRecord(names: readonly string[], cells: readonly string[]): Record<string, string> {
  const record: Record<string, string> = {}
  names.forEach((name, i) => {
    const value = cells[i] ?? ''
    if (value !== '') record[name] = fromCsvCell(value)
  })
  return record
}

export const NOT_AN_OBJECT = 'expected a JSON object'

function jsonRow(line: number, text: string): RawRow {
  if (!text.trimStart().startsWith('{')) return {line, error: NOT_AN_OBJECT}
  let value: unknown
  try {
    value = JSON.parse(text)
  } catch (error) {
    return {line, error: `invalid JSON: ${(error as Error).message}`}
  }
  if (value === null || typeof value !== 'object' || Array.isArray(value)) return {line, error: NOT_AN_OBJECT}
  const problems: string[] = []
  const record = flatten(value as Record<string, unknown>, '', problems)
  return problems.length > 0 ? {line, error: problems.join('; ')} : {line, record}
}

/**
 * JSON lines may nest refs as {"ref": {"stripe": "cus_1"}}; CSV spells that `ref.stripe`. One shape for both. Any
 * other array or object is an error of the row: flattened into text it would be stored as something nobody wrote.
 */
function flatten(value: Record<string, unknown>, prefix: string, problems: string[]): Record<string, string> {
  const out: Record<string, string> = {}
  for (const [key, v] of Object.entries(value)) {
    const name = `${prefix}${key}`
    if (v === null || v === undefined) continue
    if (typeof v === 'string' || typeof v === 'number') out[name] = String(v)
    else if (name === 'ref' && typeof v === 'object' && !Array.isArray(v))
      Object.assign(out, flatten(v as Record<string, unknown>, 'ref.', problems))
    else problems.push(`${name}: expected text or a number, found ${Array.isArray(v) ? 'an array' : typeOf(v)}`)
  }
  return out
}

function typeOf(v: unknown): string {
  return typeof v === 'object' ? 'an object' : typeof v === 'boolean' ? `${String(v)}` : `a ${typeof v}`
}
