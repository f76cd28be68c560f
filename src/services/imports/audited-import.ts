import type {z} from 'zod'

import type {AppContext} from '../../app/context.js'
import type {Db} from '../../store/db.js'
import {type LedgerHandle, sqliteHandle} from '../../store/ops/ledger-handle.js'
import type {Ops} from '../../store/ops/op.js'
import type {BatchResult} from '../../store/repos/batch.js'
import {appendAudit} from '../audit.js'
import type {ColumnRules} from './columns.js'
import {runImport, type ImportResult} from './run-import.js'

interface AuditedImportSpec<T, U> {
  file: string
  action: string
  columns: ColumnRules
  schema: z.ZodType<T>
  upsert: (rows: T[]) => U
}

/**
 * An import whose every batch commits with its own audit row (counts, never row contents), so the log says what
 * each file did even when a later batch fails. Lines rejected before the store count in the next batch's row.
 */
export function auditedImport<T>(
  db: Db,
  ctx: AppContext,
  spec: AuditedImportSpec<T, BatchResult>,
): Promise<ImportResult> {
  // An upsert still written against the Db runs inside the handle's SQLite transaction, as it always did.
  return auditedImportTo(sqliteHandle(db), ctx, {
    ...spec,
    // eslint-disable-next-line require-yield
    *upsert(rows) {
      return spec.upsert(rows)
    },
  })
}

/** auditedImport on either engine: each batch's upsert (statements) and its audit row in one write transaction. */
export function auditedImportTo<T>(
  ledger: LedgerHandle,
  ctx: AppContext,
  spec: AuditedImportSpec<T, Ops<BatchResult>>,
): Promise<ImportResult> {
  return runImport({
    file: spec.file,
    columns: spec.columns,
    schema: spec.schema,
    warn: (message) => ctx.warn(message),
    applyBatch: (rows, skipped) =>
      ledger.write(
        (function* () {
          const r = yield* spec.upsert(rows)
          const rejected = r.rejected.length + skipped
          yield* appendAudit.ops({
            actor: ctx.actor,
            action: spec.action,
            subject: spec.file,
            outcome: rejected > 0 ? 'partial' : 'ok',
            details: {inserted: r.inserted, updated: r.updated, unchanged: r.unchanged, rejected},
          })
          return r
        })(),
      ),
  })
}
