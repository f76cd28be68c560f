import {UsageError} from '../../core/errors.js'
import {checkHeader, lineList, UnknownKeys, type ColumnRules} from './columns.js'
import {inspectInput, type RowFormat} from './input-file.js'
import {NOT_AN_OBJECT, readTable} from './read-rows.js'

export interface Scan {
  format: RowFormat
  /** Rows below the header (CSV) or lines (JSON lines), readable or not. */
  rows: number
  /** Ids on more than one line, with all their lines: none of those lines is imported. */
  duplicates: Map<string, number[]>
}

/**
 * The first of an import's two reads: everything about the file as a whole is decided before a single row is
 * written. A missing or unreadable file, an encoding other than UTF-8, an empty file, a wrong header or unknown
 * keys refuse the file (a usage error); ids that appear twice are collected so that every line holding one is
 * rejected, whichever batch it falls in.
 */
export async function scanFile(file: string, rules: ColumnRules): Promise<Scan> {
  const format = await inspectInput(file)
  const unknown = new UnknownKeys(rules)
  const firstLine = new Map<string, number>()
  const duplicates = new Map<string, number[]>()
  let header = false
  let rows = 0
  for await (const item of readTable(file, format)) {
    if ('header' in item) {
      checkHeader(file, item.header, rules)
      header = true
      continue
    }
    rows += 1
    if (format === 'jsonl' && rows === 1 && 'error' in item) refuseNonObject(file, item.line, item.error)
    if (!('record' in item)) continue
    if (format === 'jsonl') unknown.note(item.record, item.line)
    const id = item.record.id?.trim()
    if (!id) continue
    const first = firstLine.get(id)
    if (first === undefined) firstLine.set(id, item.line)
    else duplicates.set(id, [...(duplicates.get(id) ?? [first]), item.line])
  }
  if (!header && rows === 0) {
    const expected = format === 'csv' ? 'a header line and rows' : 'one JSON object per line'
    throw new UsageError(`${file} is empty: expected ${expected}`, 'Check the export that wrote it.', 'empty_file')
  }
  unknown.check(file)
  return {format, rows, duplicates}
}

/** The reason every line of a repeated id is rejected. */
export function duplicateReason(id: string, lines: readonly number[]): string {
  return `id "${id}" is on lines ${lineList(lines, lines.length, 5)}: an id may appear once per file, so none of these lines was imported`
}

/** A first line that is not even meant to be an object (a JSON array, a CSV file named .json) refuses the file. */
function refuseNonObject(file: string, line: number, error: string): void {
  if (error === NOT_AN_OBJECT) {
    throw new UsageError(
      `${file} line ${line}: not a JSON object; a JSON lines file holds one object per line`,
      'Write one JSON object per line (JSON lines), or export the file as CSV.',
      'bad_format',
    )
  }
}
