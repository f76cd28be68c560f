import type {z} from 'zod'

import type {AppContext} from '../../app/context.js'
import type {Db} from '../../store/db.js'
import type {BatchResult} from '../../store/repos/batch.js'
import {appendAudit} from '../audit.js'
import type {ColumnRules} from './columns.js'
import {runImport, type ImportResult} from './run-import.js'

/**
 * An import whose every batch commits with its own audit row (counts, never row contents), so the log says what
 * each file did even when a later batch fails. Lines rejected before the store count in the next batch's row.
 */
export function auditedImport<T>(
  db: Db,
  ctx: AppContext,
  spec: {file: string; action: string; columns: ColumnRules; schema: z.ZodType<T>; upsert: (rows: T[]) => BatchResult},
): Promise<ImportResult> {
  return runImport({
    file: spec.file,
    columns: spec.columns,
    schema: spec.schema,
    warn: (message) => ctx.warn(message),
    applyBatch: (rows, skipped) =>
      db.write(() => {
        const r = spec.upsert(rows)
        const rejected = r.rejected.length + skipped
        appendAudit(db, {
          actor: ctx.actor,
          action: spec.action,
          subject: spec.file,
          outcome: rejected > 0 ? 'partial' : 'ok',
          details: {inserted: r.inserted, updated: r.updated, unchanged: r.unchanged, rejected},
        })
        return r
      }),
  })
}
