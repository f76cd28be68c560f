import type {z} from 'zod'

import {readRows, type RowFormat} from './read-rows.js'

export interface ImportCounts {
  inserted: number
  updated: number
  unchanged: number
}

export interface ImportResult extends ImportCounts {
  rejected: Array<{line: number; error: string}>
}

export interface ImportSpec<T> {
  file: string
  format?: RowFormat
  /** Validates one record; a zod issue becomes `field: message` for that line. */
  schema: z.ZodType<T>
  /** Cross-row checks that need the store (site exists, customer exists): an error string rejects the row. */
  check?: (row: T) => string | null
  /** Applies one batch in one immediate transaction; rows the store refuses come back by index. */
  applyBatch: (rows: T[]) => ImportCounts & {rejected: Array<{index: number; error: string}>}
  batchSize?: number
}

/** The shared import loop: stream, validate, batch, apply. Good rows land even when rows beside them are bad. */
export async function runImport<T>(spec: ImportSpec<T>): Promise<ImportResult> {
  const result: ImportResult = {inserted: 0, updated: 0, unchanged: 0, rejected: []}
  const size = spec.batchSize ?? 2000
  let batch: T[] = []
  let lines: number[] = []
  const flush = () => {
    if (batch.length === 0) return
    const counts = spec.applyBatch(batch)
    result.inserted += counts.inserted
    result.updated += counts.updated
    result.unchanged += counts.unchanged
    for (const r of counts.rejected) result.rejected.push({line: lines[r.index] ?? 0, error: r.error})
    batch = []
    lines = []
  }
  for await (const row of readRows(spec.file, spec.format)) {
    if ('error' in row) {
      result.rejected.push({line: row.line, error: row.error})
      continue
    }
    const parsed = spec.schema.safeParse(row.record)
    if (!parsed.success) {
      result.rejected.push({line: row.line, error: describeIssues(parsed.error.issues)})
      continue
    }
    const problem = spec.check?.(parsed.data) ?? null
    if (problem) {
      result.rejected.push({line: row.line, error: problem})
      continue
    }
    batch.push(parsed.data)
    lines.push(row.line)
    if (batch.length >= size) flush()
  }
  flush()
  result.rejected.sort((a, b) => a.line - b.line)
  return result
}

export function describeIssues(issues: readonly z.core.$ZodIssue[]): string {
  return issues
    .map((issue) => {
      const field = issue.path.length > 0 ? issue.path.join('.') : 'row'
      return issue.code === 'invalid_type' && issue.message.includes('undefined')
        ? `${field}: required`
        : `${field}: ${issue.message}`
    })
    .join('; ')
}
