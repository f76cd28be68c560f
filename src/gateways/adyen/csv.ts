import {parse} from 'csv-parse/sync'

/** A CSV file as records with their line numbers (1 = the first line), and the lines that could not be read. */
export interface CsvRead {
  rows: {record: string[]; line: number}[]
  skipped: {line: number; message: string; raw: string}[]
}

/**
 * Reads every record that can be read. csv-parse resynchronises badly after a broken quote (it swallows the
 * following rows), so a file with any unreadable record is read again one physical line at a time: every line
 * that parses alone is kept, the broken ones are reported.
 */
export function readCsv(text: string): CsvRead {
  const whole = readRecords(text)
  return whole.skipped.length > 0 ? readLineByLine(text) : whole
}

function readRecords(text: string, lineOffset = 0): CsvRead {
  const skipped: CsvRead['skipped'] = []
  const parsed = parse(text, {
    info: true,
    relax_column_count: true,
    skip_empty_lines: true,
    skip_records_with_error: true,
    on_skip: (err, raw) => {
      const lines = (err as {lines?: unknown} | undefined)?.lines
      skipped.push({
        line: (typeof lines === 'number' ? lines : 0) + lineOffset,
        message: err?.message ?? 'unreadable CSV record',
        raw: raw ?? '',
      })
      return undefined
    },
  }) as unknown as {record: string[]; info: {lines: number}}[]
  return {rows: parsed.map((r) => ({record: r.record, line: r.info.lines + lineOffset})), skipped}
}

function readLineByLine(text: string): CsvRead {
  const out: CsvRead = {rows: [], skipped: []}
  text.split(/\r?\n/).forEach((physical, index) => {
    if (physical.trim() === '') return
    const one = readRecords(physical, index)
    out.rows.push(...one.rows)
    // One broken line can raise several parser errors; report it once.
    const first = one.skipped[0]
    if (first) out.skipped.push({...first, line: index + 1, raw: physical})
  })
  return out
}
