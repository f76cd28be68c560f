import Database from 'better-sqlite3'

import {UsageError} from '../../core/errors.js'
import type {Db} from '../db.js'

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
 */
export function applyBatch<R>(db: Db, rows: readonly R[], apply: (row: R) => RowOutcome): BatchResult {
  return db.write(() => {
    const result: BatchResult = {outcomes: [], inserted: 0, updated: 0, unchanged: 0, rejected: []}
    const perRow = db.raw.transaction(apply) // nested: runs as a SAVEPOINT
    rows.forEach((row, index) => {
      try {
        const outcome = perRow(row)
        result.outcomes.push(outcome)
        result[outcome] += 1
      } catch (error) {
        const reason = rejectionReason(error)
        if (reason === null) throw error
        result.outcomes.push({rejected: reason})
        result.rejected.push({index, error: reason})
      }
    })
    return result
  })
}

function rejectionReason(error: unknown): string | null {
  if (error instanceof RowRejected) return error.message
  if (error instanceof Database.SqliteError && error.code.startsWith('SQLITE_CONSTRAINT')) return error.message
  return null
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
