import type {z} from 'zod'

import type {AppContext} from '../../app/context.js'
import type {Db} from '../../store/db.js'
import type {BatchResult} from '../../store/repos/batch.js'
import {appendAudit} from '../audit.js'
import {runImport, type ImportResult} from './run-import.js'

/**
 * An import whose every batch commits with its own audit row (counts, never row contents), so the log says what
 * each file did even when a later batch fails.
 */
export function auditedImport<T>(
  db: Db,
  ctx: AppContext,
  spec: {file: string; action: string; schema: z.ZodType<T>; upsert: (rows: T[]) => BatchResult},
): Promise<ImportResult> {
  return runImport({
    file: spec.file,
    schema: spec.schema,
    applyBatch: (rows) =>
      db.write(() => {
        const r = spec.upsert(rows)
        appendAudit(db, {
          actor: ctx.actor,
          action: spec.action,
          subject: spec.file,
          outcome: r.rejected.length ? 'partial' : 'ok',
          details: {inserted: r.inserted, updated: r.updated, unchanged: r.unchanged, rejected: r.rejected.length},
        })
        return r
      }),
  })
}
