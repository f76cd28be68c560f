import {createReadStream} from 'node:fs'
import {open} from 'node:fs/promises'
import {createInterface} from 'node:readline'

import {parse} from 'csv-parse'

import {UsageError} from '../../core/errors.js'

/** One input record with the 1-based file line it came from, or the reason it could not be read at all. */
export type RawRow = {line: number; record: Record<string, string>} | {line: number; error: string}

export type RowFormat = 'csv' | 'jsonl'

export async function detectFormat(file: string): Promise<RowFormat> {
  if (/\.(jsonl|ndjson|json)$/i.test(file)) return 'jsonl'
  if (/\.csv$/i.test(file)) return 'csv'
  const handle = await open(file, 'r').catch((error: NodeJS.ErrnoException) => {
    throw new UsageError(`cannot read ${file}: ${error.code === 'ENOENT' ? 'no such file' : error.message}`)
  })
  try {
    const {buffer, bytesRead} = await handle.read(Buffer.alloc(256), 0, 256, 0)
    return buffer.subarray(0, bytesRead).toString('utf8').trimStart().startsWith('{') ? 'jsonl' : 'csv'
  } finally {
    await handle.close()
  }
}

/**
 * Streams rows so that a 100k-row file never sits in memory whole. A malformed row becomes an error row
 * naming its line; reading carries on with the next one, so good rows beside a bad one still land.
 */
export async function* readRows(file: string, format?: RowFormat): AsyncGenerator<RawRow> {
  const kind = format ?? (await detectFormat(file))
  if (kind === 'jsonl') yield* readJsonLines(file)
  else yield* readCsv(file)
}

async function* readJsonLines(file: string): AsyncGenerator<RawRow> {
  const lines = createInterface({input: createReadStream(file, {encoding: 'utf8'}), crlfDelay: Infinity})
  let line = 0
  for await (const text of lines) {
    line++
    if (text.trim() === '') continue
    try {
      const value = JSON.parse(text) as unknown
      if (value === null || typeof value !== 'object' || Array.isArray(value)) {
        yield {line, error: 'expected a JSON object'}
        continue
      }
      yield {line, record: flattenJson(value as Record<string, unknown>)}
    } catch (error) {
      yield {line, error: `invalid JSON: ${(error as Error).message}`}
    }
  }
}

/** JSON lines may nest refs as {"ref": {"stripe": "cus_1"}}; CSV spells that `ref.stripe`. One shape for both. */
function flattenJson(value: Record<string, unknown>, prefix = ''): Record<string, string> {
  const out: Record<string, string> = {}
  for (const [key, v] of Object.entries(value)) {
    if (v === null || v === undefined) continue
    if (typeof v === 'object' && !Array.isArray(v))
      Object.assign(out, flattenJson(v as Record<string, unknown>, `${prefix}${key}.`))
    else out[`${prefix}${key}`] = String(v)
  }
  return out
}

async function* readCsv(file: string): AsyncGenerator<RawRow> {
  const skipped: RawRow[] = []
  const parser = createReadStream(file).pipe(
    parse({
      bom: true,
      skip_empty_lines: true,
      relax_column_count: true,
      skip_records_with_error: true,
      info: true,
      trim: true,
    }),
  )
  parser.on('skip', (error: Error & {lines?: number}) => {
    skipped.push({
      line: error.lines ?? 0,
      error: `unreadable CSV: ${error.message.replace(/^Invalid Record Length: /, '')}`,
    })
  })
  let header: string[] | undefined
  for await (const entry of parser as AsyncIterable<{record: string[]; info: {lines: number}}>) {
    while (skipped.length > 0) yield skipped.shift()!
    const {record, info} = entry
    if (!header) {
      header = record.map((h) => h.trim())
      continue
    }
    if (record.length !== header.length) {
      yield {line: info.lines, error: `expected ${header.length} columns (${header.join(',')}), found ${record.length}`}
      continue
    }
    const out: Record<string, string> = {}
    header.forEach((name, i) => {
      const value = record[i] ?? ''
      if (value !== '') out[name] = value
    })
    yield {line: info.lines, record: out}
  }
  while (skipped.length > 0) yield skipped.shift()!
}
