import type {z} from 'zod'

import type {ColumnRules} from './columns.js'
import {readRows} from './read-rows.js'
import {duplicateReason, scanFile} from './scan.js'

export interface ImportCounts {
  inserted: number
  updated: number
  unchanged: number
}

export interface ImportResult extends ImportCounts {
  rejected: Array<{line: number; error: string}>
}

type BatchCounts = ImportCounts & {rejected: Array<{index: number; error: string}>}

export interface ImportSpec<T> {
  file: string
  /** The columns (keys) this import reads; checked once for the whole file. */
  columns: ColumnRules
  /** Validates one record; a zod issue becomes `field: message` for that line. */
  schema: z.ZodType<T>
  /**
   * Applies one batch in one immediate transaction; rows the store refuses come back by index. `skipped` counts
   * the lines rejected before the store since the previous batch, so that the batches' audit rows add up to the
   * file (the last call may have no rows, only skipped lines). Awaited: a ledger on PostgreSQL answers later.
   */
  applyBatch: (rows: T[], skipped: number) => BatchCounts | Promise<BatchCounts>
  /** Something the admin should know that is not an error (a file with a header and no rows). */
  warn: (message: string) => void
  batchSize?: number
}

/**
 * The shared import loop: check the file as a whole (scanFile), then stream, validate, batch, apply. Good rows
 * land even when rows beside them are bad, and every row below the header is counted once: inserted, updated,
 * unchanged or rejected with its line.
 */
export async function runImport<T>(spec: ImportSpec<T>): Promise<ImportResult> {
  const scan = await scanFile(spec.file, spec.columns)
  const result: ImportResult = {inserted: 0, updated: 0, unchanged: 0, rejected: []}
  if (scan.rows === 0) {
    spec.warn(`${spec.file} has a header but no rows: nothing was imported`)
    return result
  }
  const size = spec.batchSize ?? 2000
  let batch: T[] = []
  let lines: number[] = []
  let skipped = 0
  const reject = (line: number, error: string) => {
    result.rejected.push({line, error})
    skipped += 1
  }
  const flush = async () => {
    if (batch.length === 0 && skipped === 0) return
    const counts = await spec.applyBatch(batch, skipped)
    result.inserted += counts.inserted
    result.updated += counts.updated
    result.unchanged += counts.unchanged
    for (const r of counts.rejected) result.rejected.push({line: lines[r.index] ?? 0, error: r.error})
    batch = []
    lines = []
    skipped = 0
  }
  for await (const row of readRows(spec.file, scan.format)) {
    if ('error' in row) {
      reject(row.line, row.error)
      continue
    }
    const id = row.record.id?.trim()
    const repeated = id === undefined ? undefined : scan.duplicates.get(id)
    if (id !== undefined && repeated) {
      reject(row.line, duplicateReason(id, repeated))
      continue
    }
    const parsed = spec.schema.safeParse(row.record)
    if (!parsed.success) {
      reject(row.line, describeIssues(parsed.error.issues))
      continue
    }
    batch.push(parsed.data)
    lines.push(row.line)
    if (batch.length >= size) await flush()
  }
  await flush()
  result.rejected.sort((a, b) => a.line - b.line)
  return result
}

function describeIssues(issues: readonly z.core.$ZodIssue[]): string {
  return issues
    .map((issue) => {
      const field = issue.path.length > 0 ? issue.path.join('.') : 'row'
      return issue.code === 'invalid_type' && issue.message.includes('undefined')
        ? `${field}: required`
        : `${field}: ${issue.message}`
    })
    .join('; ')
}
