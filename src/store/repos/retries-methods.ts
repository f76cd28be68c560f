import type {Db} from '../db.js'
import {applyBatch, RowRejected, type BatchResult} from './batch.js'

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
export function upsertPaymentMethods(db: Db, rows: readonly PaymentMethodInput[]): BatchResult {
  return applyBatch(db, rows, (row) => {
    if (db.stmt('SELECT 1 FROM customers WHERE id = ?').get(row.customer) === undefined)
      throw new RowRejected(`unknown customer "${row.customer}"`)
    const stored = db
      .stmt('SELECT method_ref FROM payment_methods WHERE customer = ? AND provider_key = ?')
      .pluck()
      .get(row.customer, row.providerKey) as string | undefined
    if (stored === row.methodRef) return 'unchanged'
    db.stmt(
      `INSERT INTO payment_methods (customer, provider_key, method_ref, updated_at) VALUES (?, ?, ?, ?)
       ON CONFLICT (customer, provider_key) DO UPDATE SET method_ref = excluded.method_ref, updated_at = excluded.updated_at`,
    ).run(row.customer, row.providerKey, row.methodRef, db.now())
    return stored === undefined ? 'inserted' : 'updated'
  })
}

/** The method to charge at a provider: the row for its id, else the one for its kind. */
export function paymentMethodAt(db: Db, customer: string, provider: string, kind: string): string | null {
  const ref = db
    .stmt(
      `SELECT method_ref FROM payment_methods WHERE customer = ? AND provider_key IN (?, ?)
       ORDER BY provider_key = ? DESC LIMIT 1`,
    )
    .pluck()
    .get(customer, provider, kind, provider) as string | undefined
  return ref ?? null
}

/** The customer's id at a gateway (customers import `ref.<provider or kind>`), the provider id winning. */
export function customerRefAt(db: Db, customer: string, provider: string, kind: string): string | null {
  const ref = db
    .stmt(
      `SELECT external_ref FROM customer_refs WHERE customer = ? AND provider_key IN (?, ?)
       ORDER BY provider_key = ? DESC LIMIT 1`,
    )
    .pluck()
    .get(customer, provider, kind, provider) as string | undefined
  return ref ?? null
}
