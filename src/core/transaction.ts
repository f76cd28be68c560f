import {z} from 'zod'

/** Integer minor units of an upper-case ISO 4217 currency (ISO exponent, whatever the gateway's own rules). */
export const MoneySchema = z.object({
  minor: z.number().int().refine(Number.isSafeInteger, 'amount outside the exact integer range'),
  currency: z.string().regex(/^[A-Z]{3}$/, 'upper-case ISO 4217 code'),
})
export type Money = z.infer<typeof MoneySchema>

export const TXN_TYPES = ['payment', 'refund', 'dispute', 'dispute_reversal', 'fee', 'payout', 'adjustment'] as const
export const TXN_STATUSES = [
  'pending',
  'authorized',
  'succeeded',
  'failed',
  'canceled',
  'refunded',
  'partially_refunded',
  'disputed',
  'reversed',
  'won',
  'lost',
] as const
export const DECISIONS = ['retry', 'terminal', 'unknown'] as const
export type Decision = (typeof DECISIONS)[number]

const isoUtc = z.string().regex(/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d{1,3})?Z$/, 'ISO-8601 UTC timestamp')

export const FailureSchema = z.object({
  code: z.string(),
  message: z.string(),
  decision: z.enum(DECISIONS),
})

/**
 * The one shape every gateway is translated into. Conventions every adapter follows, so the ledger and the
 * cross-gateway test see one world:
 * - `amount` is the object's own gross amount, positive, in ISO minor units; the ledger derives direction from `type`.
 * - payment `status` is its own lifecycle only: pending | authorized | succeeded | failed | canceled. Refunds
 *   and disputes are their own transactions (parentExternalId = the payment); the core derives "refunded"
 *   views from them, so no adapter has to re-read a payment when a refund arrives.
 * - refund `status`: pending | succeeded | failed | canceled.
 * - dispute `status`: `disputed` while open (funds withdrawn), `won` (merchant won, funds returned), `lost`.
 * - `customerRef` is the customer's id at the gateway when the object carries it; null on refunds/disputes
 *   that do not (the core inherits the parent payment's customer).
 * - `failure` is set on failed payments: the gateway's decline code and the adapter's retry decision.
 * - `fee` is what the gateway charged for this object when the gateway reports it, else null.
 */
export const NormalizedTxnSchema = z.object({
  id: z.string(), // `${provider}:${externalId}`
  provider: z.string(), // the provider id (connection name), not the kind
  kind: z.string().min(1), // the gateway kind (gateways/registry.ts)
  externalId: z.string().min(1),
  parentExternalId: z.string().min(1).nullable(),
  type: z.enum(TXN_TYPES),
  status: z.enum(TXN_STATUSES),
  amount: MoneySchema,
  fee: MoneySchema.nullable(),
  net: MoneySchema.nullable(),
  customerRef: z.string().nullable(), // the customer's id at the gateway
  invoiceRef: z.string().nullable(),
  siteRef: z.string().nullable(),
  failure: FailureSchema.nullable(),
  occurredAt: isoUtc,
  updatedAt: isoUtc,
  metadata: z.record(z.string(), z.string()),
})
export type NormalizedTxn = z.infer<typeof NormalizedTxnSchema>

export const QUARANTINE_REASONS = [
  'access_denied',
  'unknown_customer',
  'invalid_payload',
  'unsupported_currency',
] as const
export type QuarantineReason = (typeof QUARANTINE_REASONS)[number]

/** Something a gateway said that could not be turned into a NormalizedTxn. Never dropped: stored with the raw payload. */
export interface Quarantined {
  externalId: string | null
  reason: QuarantineReason
  detail: string // which field, what was wrong
  raw: unknown
}

/** A normalized transaction together with exactly what the gateway sent for it. */
export interface FetchedTxn {
  txn: NormalizedTxn
  raw: unknown
}
