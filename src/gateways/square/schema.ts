import {z} from 'zod'

/**
 * Square's wire shapes, only as far as the adapter reads them (unknown keys are tolerated: the raw object is kept
 * beside the normalized row). Field names are Square's snake_case JSON, not the SDK's camelCase.
 * A payload that fails these schemas is quarantined with the failing field, never thrown.
 */
const rfc3339 = z
  .string()
  .regex(/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?(Z|[+-]\d{2}:\d{2})$/, 'RFC 3339 timestamp')

const SquareMoneySchema = z.object({
  amount: z.number().int(),
  currency: z.string().min(1),
})
export type SquareMoney = z.infer<typeof SquareMoneySchema>

const SquareErrorSchema = z.object({
  category: z.string(),
  code: z.string(),
  detail: z.string().optional(),
  field: z.string().optional(),
})
export type SquareError = z.infer<typeof SquareErrorSchema>

const ProcessingFeeSchema = z.object({
  amount_money: SquareMoneySchema,
  effective_at: z.string().optional(),
  type: z.string().optional(),
})

export const PAYMENT_STATUSES = ['APPROVED', 'PENDING', 'COMPLETED', 'CANCELED', 'FAILED'] as const
export const REFUND_STATUSES = ['PENDING', 'COMPLETED', 'REJECTED', 'FAILED'] as const
export const DISPUTE_STATES = [
  'INQUIRY_EVIDENCE_REQUIRED',
  'INQUIRY_PROCESSING',
  'INQUIRY_CLOSED',
  'EVIDENCE_REQUIRED',
  'PROCESSING',
  'WON',
  'LOST',
  'ACCEPTED',
] as const

const detailsWithErrors = z.object({errors: z.array(SquareErrorSchema).optional()})
/** card_details: its errors, and the card's brand (the network whose retry rules apply). */
const cardDetails = detailsWithErrors.extend({
  card: z.object({card_brand: z.string().optional()}).optional(),
})

export const SquarePaymentSchema = z.object({
  id: z.string().min(1),
  created_at: rfc3339,
  updated_at: rfc3339,
  amount_money: SquareMoneySchema,
  total_money: SquareMoneySchema.optional(),
  processing_fee: z.array(ProcessingFeeSchema).optional(),
  refunded_money: SquareMoneySchema.optional(),
  refund_ids: z.array(z.string()).optional(),
  status: z.enum(PAYMENT_STATUSES),
  source_type: z.string().optional(),
  card_details: cardDetails.optional(),
  bank_account_details: detailsWithErrors.optional(),
  location_id: z.string().optional(),
  customer_id: z.string().optional(),
  reference_id: z.string().optional(),
  note: z.string().optional(),
  order_id: z.string().optional(),
})
export type SquarePayment = z.infer<typeof SquarePaymentSchema>

export const SquareRefundSchema = z.object({
  id: z.string().min(1),
  status: z.enum(REFUND_STATUSES),
  amount_money: SquareMoneySchema,
  processing_fee: z.array(ProcessingFeeSchema).nullish(),
  payment_id: z.string().min(1),
  location_id: z.string().nullish(),
  reason: z.string().nullish(),
  created_at: rfc3339,
  updated_at: rfc3339,
})
export type SquareRefund = z.infer<typeof SquareRefundSchema>

export const SquareDisputeSchema = z.object({
  id: z.string().min(1),
  amount_money: SquareMoneySchema,
  reason: z.string().optional(),
  state: z.enum(DISPUTE_STATES),
  disputed_payment: z.object({payment_id: z.string().min(1)}),
  location_id: z.string().nullish(),
  created_at: rfc3339,
  updated_at: rfc3339,
})
export type SquareDispute = z.infer<typeof SquareDisputeSchema>

/** List envelopes: items stay `unknown` here so one bad item is quarantined without losing its page. */
export const ListPaymentsResponseSchema = z.object({
  payments: z.array(z.unknown()).optional(),
  cursor: z.string().optional(),
})
export const ListRefundsResponseSchema = z.object({
  refunds: z.array(z.unknown()).optional(),
  cursor: z.string().optional(),
})
export const ListDisputesResponseSchema = z.object({
  disputes: z.array(z.unknown()).optional(),
  cursor: z.string().optional(),
})
export const ListLocationsResponseSchema = z.object({locations: z.array(z.object({id: z.string()})).optional()})
export const ErrorsBodySchema = z.object({errors: z.array(SquareErrorSchema)})

export const WebhookEnvelopeSchema = z.object({
  merchant_id: z.string().optional(),
  type: z.string().min(1),
  event_id: z.string().min(1),
  created_at: z.string().optional(),
  data: z.object({
    type: z.string().optional(),
    id: z.string().optional(),
    object: z.record(z.string(), z.unknown()).optional(),
  }),
})
