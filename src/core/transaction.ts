import {z} from 'zod'

import {CARD_NETWORKS} from './retry/card-network.js'

/** Integer minor units of an upper-case ISO 4217 currency (ISO exponent, whatever the gateway's own rules). */
const MoneySchema = z.object({
  minor: z.number().int().refine(Number.isSafeInteger, 'amount outside the exact integer range'),
  currency: z.string().regex(/^[A-Z]{3}$/, 'upper-case ISO 4217 code'),
})
export type Money = z.infer<typeof MoneySchema>

export const TXN_TYPES = ['payment', 'refund', 'dispute', 'dispute_reversal', 'fee', 'payout', 'adjustment'] as const
export type TxnType = (typeof TXN_TYPES)[number]

/**
 * Money between the processor and the merchant, with no customer: a fee, a payout to the merchant's bank, an
 * adjustment of the merchant's balance (docs/architecture.md, "Ledger").
 */
const MERCHANT_TYPES = ['fee', 'payout', 'adjustment'] as const satisfies readonly TxnType[]

export function isMerchantBooking(type: TxnType): boolean {
  return (MERCHANT_TYPES as readonly TxnType[]).includes(type)
}

/** Objects that concern a payment and belong to its customer: they are applied only once the payment is. */
const CHILD_TYPES = ['refund', 'dispute', 'dispute_reversal'] as const satisfies readonly TxnType[]

export function isChildType(type: TxnType): boolean {
  return (CHILD_TYPES as readonly TxnType[]).includes(type)
}

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
const DECISIONS = ['retry', 'terminal', 'unknown'] as const
export type Decision = (typeof DECISIONS)[number]

const isoUtc = z.string().regex(/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d{1,3})?Z$/, 'ISO-8601 UTC timestamp')

/**
 * How an adapter reached a failure's decision (docs/gateways.md#rules-before-any-table): the gateway's own retry
 * advice, its code table, or neither (an unmapped decline: terminal, and counted so an admin sees it).
 */
const FAILURE_BASES = ['advice', 'table', 'unmapped'] as const
export type FailureBasis = (typeof FAILURE_BASES)[number]

/**
 * `decline`: the payment was refused (by the issuer, the network or the gateway's risk rules): an attempt on the
 * card, which the card-network caps count. `request`: the request failed before any decision on the payment
 * (throttled, not sent, refused as invalid): no attempt on the card.
 */
const FAILURE_ORIGINS = ['decline', 'request'] as const
export type FailureOrigin = (typeof FAILURE_ORIGINS)[number]

const code = z.string().min(1)

/**
 * A failed payment's reason and what retrying it should do. The optional fields are what the retry engine needs
 * beyond the decision (src/core/retry/): absent on states stored before they existed, and where the gateway does
 * not report them; `basis` absent reads as `table`, `origin` absent as `decline`.
 */
export const FailureSchema = z.object({
  code: z.string(),
  message: z.string(),
  decision: z.enum(DECISIONS),
  basis: z.enum(FAILURE_BASES).optional(),
  origin: z.enum(FAILURE_ORIGINS).optional(),
  /** The gateway's own retry advice as it sent it (Stripe `advice_code`, Braintree `processor-response-type`). */
  advice: code.optional(),
  /** The card's network, when the gateway names the brand. */
  network: z.enum(CARD_NETWORKS).optional(),
  /** The issuer's raw response code as the network returned it (Visa and Mastercard use two characters: 05, 51, R1). */
  networkCode: code.optional(),
  /** Mastercard's merchant advice code (01, 02, 03, 21, 24–30, …), when the gateway passes it on. */
  networkAdvice: code.optional(),
})
export type Failure = z.infer<typeof FailureSchema>
/** What an adapter's code table answers for one code: its decision and how it got there. */
export type FailureVerdict = Pick<Failure, 'decision'> & {basis: FailureBasis}

/**
 * The one shape every gateway is translated into. Conventions every adapter follows, so the ledger and the
 * cross-gateway test see one world:
 * - `amount` is the object's own gross amount, positive, in ISO minor units; the ledger derives direction from `type`.
 *   Merchant-level bookings (`fee`, `payout`, `adjustment`) are the exception: their amount is SIGNED, the effect on
 *   the merchant's balance at the processor from the merchant's side (fee > 0 charged, < 0 returned; payout > 0
 *   paid out to the bank, < 0 returned; adjustment > 0 credits the balance, < 0 debits it). They carry no customer
 *   and no site (`customerRef`/`siteRef` null), `parentExternalId` is the payment they concern when there is one
 *   (informational only), `metadata.yms_booking` is the gateway's own name for them, and only `succeeded` posts.
 * - payment `status` is its own lifecycle only: pending | authorized | succeeded | failed | canceled. Refunds
 *   and disputes are their own transactions (parentExternalId = the payment); the core derives "refunded"
 *   views from them, so no adapter has to re-read a payment when a refund arrives.
 * - refund `status`: pending | succeeded | failed | canceled.
 * - dispute `status`: `disputed` while open (funds withdrawn), `won` (merchant won, funds returned), `lost`.
 * - `customerRef` is the customer's id at the gateway when the object carries it; null on refunds/disputes
 *   that do not (the core inherits the parent payment's customer).
 * - `failure` is set on failed payments: the gateway's decline code and the adapter's retry decision.
 * - `fee` is what the gateway charged for this object when the gateway reports it, else null. On a refund or a
 *   dispute it is the change in fees the gateway booked with it, signed: a processing fee returned on a refund is
 *   negative, a chargeback fee charged is positive.
 */
export const NormalizedTxnSchema = z
  .object({
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
  .superRefine((t, ctx) => {
    if (isMerchantBooking(t.type)) {
      // A merchant-level booking that names a customer is a translation error, not a customer's transaction.
      if (t.customerRef !== null)
        ctx.addIssue({code: 'custom', path: ['customerRef'], message: `a ${t.type} booking names no customer`})
    } else if (t.amount.minor < 0) {
      ctx.addIssue({code: 'custom', path: ['amount', 'minor'], message: `a ${t.type} amount is never negative`})
    }
  })
export type NormalizedTxn = z.infer<typeof NormalizedTxnSchema>

/** The metadata key holding a merchant-level booking's name at the gateway (Adyen journal type, PayPal event code). */
export const BOOKING_METADATA_KEY = 'yms_booking'

export const QUARANTINE_REASONS = [
  'access_denied',
  'unknown_customer',
  'invalid_payload',
  'unsupported_currency',
  /** A refund or dispute whose payment is not in the ledger yet: applied together with it. */
  'awaiting_parent',
] as const
export type QuarantineReason = (typeof QUARANTINE_REASONS)[number]

/** Something a gateway said that could not be turned into a NormalizedTxn. Never dropped: stored with the raw payload. */
export interface Quarantined {
  externalId: string | null
  reason: QuarantineReason
  detail: string // which field, what was wrong
  raw: unknown
}

/**
 * Something a gateway said that yms-pay understood and deliberately does not post (it moves nothing in yms-pay's
 * accounts, e.g. a dispute hold and its release), or whose code the gateway does not document (`code` then says
 * which, `reason` is UNKNOWN_CODE): counted per sync run and kept for an admin to list, never quarantined.
 */
export interface Skipped {
  externalId: string | null
  /** The gateway's own code for the object (an event code, a journal type). */
  code: string
  /** Why it is not posted, in words; UNKNOWN_CODE for a code the gateway's documentation does not list. */
  reason: string
  /** Optional: what the gateway sent, kept beside the entry. */
  raw?: unknown
}

export const UNKNOWN_CODE = 'unknown_code'

/** A normalized transaction together with exactly what the gateway sent for it. */
export interface FetchedTxn {
  txn: NormalizedTxn
  raw: unknown
}
