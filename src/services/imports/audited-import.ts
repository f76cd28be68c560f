import type {z} from 'zod'

import type {AppContext} from '../../app/context.js'
import type {Db} from '../../store/db.js'
import {type LedgerHandle, sqliteHandle} from '../../store/ops/ledger-handle.js'
import type {Ops} from '../../store/ops/op.js'
import {lockAuditHead} from '../../store/repos/audit.js'
import type {BatchResult} from '../../store/repos/batch.js'
import {appendAudit} from '../audit.js'
import type {ColumnRules} from './columns.js'
import {runImport, type ImportResult} from './run-import.js'

export interface AuditedImportSpec<T> {
  file: string
  action: string
  columns: ColumnRules
  schema: z.ZodType<T>
  /** One batch's statements; each row in its own savepoint (applyBatch.ops), so a refused row is rejected alone. */
  upsert: (rows: T[]) => Ops<BatchResult>
}

/**
 * An import whose every batch commits with its own audit row (counts, never row contents), so the log says what
 * each file did even when a later batch fails. Lines rejected before the store count in the next batch's row.
 * Each batch is one transaction of its own: the file is read between them, never inside one.
 */
export function auditedImportInto<T>(
  ledger: LedgerHandle,
  ctx: AppContext,
  spec: AuditedImportSpec<T>,
): Promise<ImportResult> {
  return runImport({
    file: spec.file,
    columns: spec.columns,
    schema: spec.schema,
    warn: (message) => ctx.warn(message),
    applyBatch: (rows, skipped) =>
      ledger.write(
        (function* () {
          // Before the batch's rows: an invoice posts, and its balance rows must not be held while waiting for the
          // chain's lock a sync page holds (apply.ts).
          yield* lockAuditHead.ops()
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

/**
 * auditedImportInto for a caller that still writes its batch as plain code on a SQLite Db (invoices and payment
 * methods until their services take a ledger handle): the same loop, batches and audit rows.
 */
export function auditedImport<T>(
  db: Db,
  ctx: AppContext,
  spec: Omit<AuditedImportSpec<T>, 'upsert'> & {upsert: (rows: T[]) => BatchResult},
): Promise<ImportResult> {
  return auditedImportInto(sqliteHandle(db), ctx, {...spec, upsert: (rows) => plain(() => spec.upsert(rows))})
}

// eslint-disable-next-line require-yield -- the batch's statements are plain code on the Db, inside its transaction
function* plain<T>(fn: () => T): Ops<T> {
  return fn()
}
