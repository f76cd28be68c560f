import {dual} from '../ops/dual.js'
import {get, now, type Ops, run, value} from '../ops/op.js'
import {applyBatch, RowRejected, type RowOutcome} from './batch.js'

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
  return yield* applyBatch.ops(rows, function* (row): Ops<RowOutcome> {
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
