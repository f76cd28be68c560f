import {z} from 'zod'

/**
 * What yms-pay relies on in Stripe's objects (docs/gateways.md#stripe-statuses). Unknown fields are accepted (Stripe adds fields with
 * every API version, and an unknown field is not drift) but not copied into the parsed result (zod's default, not `loose`),
 * because copying every field of every object was a quarter of the translation's time, and the raw payload is kept
 * whole anyway. A field we read having the wrong type or missing is drift: the object is quarantined with the raw
 * payload, never coerced.
 */
const int = z.number().int()
const unixSeconds = z.number().int().nonnegative()
const idOf = (prefix: string) => z.string().startsWith(prefix)
const metadata = z.record(z.string(), z.string())
/** An expandable reference: the id, or the object itself when `expand[]` asked for it. */
const expandable = <T extends z.ZodType>(object: T) => z.union([z.string(), object])

const BalanceTransactionSchema = z.object({
  id: idOf('txn_'),
  object: z.literal('balance_transaction'),
  amount: int,
  fee: int,
  net: int,
  currency: z.string(),
  created: unixSeconds,
  status: z.string(),
  type: z.string(),
})
export type StripeBalanceTransaction = z.infer<typeof BalanceTransactionSchema>

export const RefundSchema = z.object({
  id: z.string().regex(/^(re|pyr)_/),
  object: z.literal('refund'),
  amount: int.nonnegative(),
  charge: expandable(z.object({id: z.string()})).nullable(),
  currency: z.string(),
  created: unixSeconds,
  status: z.enum(['pending', 'requires_action', 'succeeded', 'failed', 'canceled']),
  metadata: metadata.nullish(),
})
export type StripeRefund = z.infer<typeof RefundSchema>

const OutcomeSchema = z.object({
  reason: z.string().nullish(),
  advice_code: z.string().nullish(),
  network_advice_code: z.string().nullish(),
  network_decline_code: z.string().nullish(),
  type: z.string().nullish(),
  seller_message: z.string().nullish(),
})

export const ChargeSchema = z.object({
  id: z.string().regex(/^(ch|py)_/),
  object: z.literal('charge'),
  amount: int.nonnegative(),
  amount_refunded: int.nonnegative(),
  captured: z.boolean(),
  currency: z.string(),
  created: unixSeconds,
  status: z.enum(['succeeded', 'pending', 'failed']),
  customer: expandable(z.object({id: z.string()})).nullable(),
  balance_transaction: expandable(BalanceTransactionSchema).nullable(),
  failure_code: z.string().nullish(),
  failure_message: z.string().nullish(),
  outcome: OutcomeSchema.nullish(),
  /** Only the card's brand is read: the network whose retry rules apply (docs/gateways.md#card-network-caps). */
  payment_method_details: z.object({card: z.object({brand: z.string().nullish()}).nullish()}).nullish(),
  metadata,
  /** Absent by default since API version 2022-11-15; present (and translated) when expanded or on old versions. */
  refunds: z.object({data: z.array(z.unknown())}).nullish(),
})
export type StripeCharge = z.infer<typeof ChargeSchema>

export const DisputeSchema = z.object({
  id: z.string().regex(/^(dp|du)_/),
  object: z.literal('dispute'),
  amount: int.nonnegative(),
  charge: expandable(z.object({id: z.string()})),
  currency: z.string(),
  created: unixSeconds,
  status: z.enum([
    'warning_needs_response',
    'warning_under_review',
    'warning_closed',
    'needs_response',
    'under_review',
    'won',
    'lost',
    'prevented',
  ]),
  /** Funds withdrawn and reinstated; each carries the dispute fee booked with it (`fee`, returned as a negative). */
  balance_transactions: z
    .array(z.object({created: unixSeconds, fee: int.optional(), currency: z.string().optional()}))
    .optional(),
  metadata: metadata.nullish(),
})
export type StripeDispute = z.infer<typeof DisputeSchema>

export const EventSchema = z.object({
  id: idOf('evt_'),
  object: z.literal('event'),
  type: z.string(),
  created: unixSeconds,
  data: z.object({object: z.record(z.string(), z.unknown())}),
})
export type StripeEvent = z.infer<typeof EventSchema>

export const ListSchema = z.object({
  object: z.literal('list'),
  data: z.array(z.unknown()),
  has_more: z.boolean(),
})

export const PaymentIntentSchema = z.object({
  id: idOf('pi_'),
  object: z.literal('payment_intent'),
  status: z.string(),
  latest_charge: expandable(z.record(z.string(), z.unknown())).nullish(),
  last_payment_error: z.record(z.string(), z.unknown()).nullish(),
})

export const ErrorBodySchema = z.object({
  error: z.object({
    type: z.string().optional(),
    code: z.string().nullish(),
    decline_code: z.string().nullish(),
    advice_code: z.string().nullish(),
    network_advice_code: z.string().nullish(),
    network_decline_code: z.string().nullish(),
    payment_method: z.object({card: z.object({brand: z.string().nullish()}).nullish()}).nullish(),
    message: z.string().nullish(),
    param: z.string().nullish(),
    charge: z.string().nullish(),
    payment_intent: z.record(z.string(), z.unknown()).nullish(),
  }),
})

/** `amount: Invalid input: expected number, received string; currency: …` — names the fields for the quarantine reason. */
export {describeIssues} from '../translate-kit.js'
