import Database from 'better-sqlite3'
import pg from 'pg'

import {dual} from '../ops/dual.js'
import {get, now, type Ops, run, value, write} from '../ops/op.js'
import {RowRejected, type BatchResult, type RowOutcome} from './batch.js'

/**
 * The customer's stored payment method at a gateway (what a retry charges), keyed like customer refs: by a provider
 * id or a gateway kind; the provider id wins when both exist.
 */
interface PaymentMethodInput {
  customer: string
  providerKey: string
  methodRef: string
}

/** Idempotent upsert per row; a row naming an unknown customer is rejected alone. */
export const upsertPaymentMethods = dual(function* upsertPaymentMethods(rows: readonly PaymentMethodInput[]) {
  return yield* eachInSavepoint(rows, function* (row): Ops<RowOutcome> {
    if ((yield* get('SELECT 1 FROM customers WHERE id = ?', [row.customer])) === undefined)
      throw new RowRejected(`unknown customer "${row.customer}"`)
    const stored = yield* value<string>(
      'SELECT method_ref FROM payment_methods WHERE customer = ? AND provider_key = ?',
      [row.customer, row.providerKey],
    )
    if (stored === row.methodRef) return 'unchanged'
    yield* run(
      `INSERT INTO payment_methods (customer, provider_key, method_ref, updated_at) VALUES (?, ?, ?, ?)
       ON CONFLICT (customer, provider_key) DO UPDATE SET method_ref = excluded.method_ref, updated_at = excluded.updated_at`,
      [row.customer, row.providerKey, row.methodRef, yield* now()],
    )
    return stored === undefined ? 'inserted' : 'updated'
  })
})

/**
 * batch.ts's applyBatch as statements: one write, each row in a nested write (a savepoint), a row refused by a
 * constraint or by RowRejected rolled back alone and reported, any other error rolling back the whole batch.
 * applyBatch itself nests with better-sqlite3's own transaction, which only SQLite has (and batch.ts is not this
 * group's to change).
 */
function* eachInSavepoint<R>(rows: readonly R[], apply: (row: R) => Ops<RowOutcome>): Ops<BatchResult> {
  return yield* write(
    (function* () {
      const result: BatchResult = {outcomes: [], inserted: 0, updated: 0, unchanged: 0, rejected: []}
      for (const [index, row] of rows.entries()) {
        try {
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

/** SQLite's constraint errors are SQLITE_CONSTRAINT_*; PostgreSQL's are SQLSTATE class 23 (integrity violation). */
function rejectionReason(error: unknown): string | null {
  if (error instanceof RowRejected) return error.message
  if (error instanceof Database.SqliteError && error.code.startsWith('SQLITE_CONSTRAINT')) return error.message
  if (error instanceof pg.DatabaseError && error.code?.startsWith('23')) return error.message
  return null
}

/** The method to charge at a provider: the row for its id, else the one for its kind. */
export const paymentMethodAt = dual(function* paymentMethodAt(customer: string, provider: string, kind: string) {
  const ref = yield* value<string>(
    `SELECT method_ref FROM payment_methods WHERE customer = ? AND provider_key IN (?, ?)
       ORDER BY provider_key = ? DESC LIMIT 1`,
    [customer, provider, kind, provider],
  )
  return ref ?? null
})

/** The customer's id at a gateway (customers import `ref.<provider or kind>`), the provider id winning. */
export const customerRefAt = dual(function* customerRefAt(customer: string, provider: string, kind: string) {
  const ref = yield* value<string>(
    `SELECT external_ref FROM customer_refs WHERE customer = ? AND provider_key IN (?, ?)
       ORDER BY provider_key = ? DESC LIMIT 1`,
    [customer, provider, kind, provider],
  )
  return ref ?? null
})
