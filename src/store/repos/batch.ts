import Database from 'better-sqlite3'

import {UsageError} from '../../core/errors.js'
import type {Db} from '../db.js'
import {type Ops, write} from '../ops/op.js'
import {runSync} from '../ops/run-sync.js'

export type RowOutcome = 'inserted' | 'updated' | 'unchanged'

export interface BatchResult {
  /** One entry per input row, in input order: the outcome, or the reason the row was rejected. */
  outcomes: Array<RowOutcome | {rejected: string}>
  inserted: number
  updated: number
  unchanged: number
  rejected: Array<{index: number; error: string}>
}

/** A row the database refused for a reason the caller can report (unknown site, a ref owned by another customer). */
export class RowRejected extends Error {}

/**
 * Runs `apply` for every row inside ONE immediate transaction, each row in its own savepoint: a row that
 * violates a constraint is rolled back alone and reported, the good rows still land. Any other error rolls
 * back the whole batch.
 *
 * `applyBatch.ops(rows, apply)` is the same for either engine, `apply` giving each row's statements: the one
 * per-row batch of the repositories (sites, customers, invoices, FX rates, payment methods), so a row's refusal is
 * recognised the same way everywhere.
 */
export const applyBatch = Object.assign(
  <R>(db: Db, rows: readonly R[], apply: (row: R) => RowOutcome): BatchResult =>
    // The row's plain code runs its statements on db directly, inside the row's savepoint (a nested db.write).
    runSync(
      db,
      // eslint-disable-next-line require-yield -- the row's statements are plain code on db, not yielded
      applyBatchOps(rows, function* (row) {
        return apply(row)
      }),
    ),
  {ops: applyBatchOps},
)

function* applyBatchOps<R>(rows: readonly R[], apply: (row: R) => Ops<RowOutcome>): Ops<BatchResult> {
  return yield* write(
    (function* () {
      const result: BatchResult = {outcomes: [], inserted: 0, updated: 0, unchanged: 0, rejected: []}
      for (const [index, row] of rows.entries()) {
        try {
          // Nested: a savepoint, so a refused statement undoes this row alone (and PostgreSQL can go on).
          const outcome = yield* write(apply(row))
          result.outcomes.push(outcome)
          result[outcome] += 1
        } catch (error) {
          const reason = rejectionReason(error)
          if (reason === null) throw error
          result.outcomes.push({rejected: reason})
          result.rejected.push({index, error: reason})
        }
      }
      return result
    })(),
  )
}

function rejectionReason(error: unknown): string | null {
  if (error instanceof RowRejected) return error.message
  if (error instanceof Database.SqliteError && error.code.startsWith('SQLITE_CONSTRAINT')) return error.message
  if (isPgConstraintError(error)) return error.message
  return null
}

/**
 * pg's DatabaseError of SQLSTATE class 23 (integrity constraint violation; the schema's triggers refuse with 23001
 * too). Known by its shape, not `instanceof`: importing pg here would load it (tens of ms) in every command.
 */
function isPgConstraintError(error: unknown): error is Error {
  if (!(error instanceof Error) || error.constructor.name !== 'DatabaseError') return false
  const code = (error as {code?: unknown}).code
  return typeof code === 'string' && /^23[0-9A-Z]{3}$/.test(code)
}

/** Compares a stored row with the values an upsert would write (null and undefined are the same). */
export function sameValues(stored: object, next: Record<string, unknown>): boolean {
  const row = stored as Record<string, unknown>
  return Object.keys(next).every((key) => (row[key] ?? null) === (next[key] ?? null))
}

/** The outcome of a one-row batch, or a UsageError naming what was refused. */
export function single(result: BatchResult, what: string): RowOutcome {
  const outcome = result.outcomes[0]
  if (outcome === undefined) throw new Error('single() on an empty batch')
  if (typeof outcome === 'object') throw new UsageError(`${what} was refused: ${outcome.rejected}`)
  return outcome
}
