import {z} from 'zod'

/**
 * PayPal REST shapes (docs/gateways.md#paypal-listing; paypal-rest-api-specifications reporting_transactions_v1,
 * customer_disputes_v1, notifications_webhooks_v1, checkout_orders_v2, payments_payment_v2). Objects are loose
 * (`passthrough`): PayPal adds fields freely; only what the adapter reads is checked. The emulator's responses
 * are validated against these same schemas in the tests.
 */

/** PayPal's decimal money: `^((-?[0-9]+)|(-?([0-9]+)?[.][0-9]+))$`. */
export const PaypalMoneySchema = z.looseObject({
  currency_code: z.string().regex(/^[A-Za-z]{3}$/, 'three-letter currency code'),
  value: z.string().regex(/^((-?[0-9]+)|(-?([0-9]+)?[.][0-9]+))$/, 'PayPal decimal string'),
})
export type PaypalMoney = z.infer<typeof PaypalMoneySchema>

export const LinkSchema = z.looseObject({href: z.string(), rel: z.string(), method: z.string().optional()})

// ---- Transaction search ----
export const TransactionInfoSchema = z.looseObject({
  paypal_account_id: z.string().optional(),
  transaction_id: z.string().min(1),
  paypal_reference_id: z.string().optional(),
  paypal_reference_id_type: z.string().optional(),
  transaction_event_code: z.string().regex(/^T\d{4}$/, 'event code like T0006'),
  transaction_initiation_date: z.string(),
  transaction_updated_date: z.string().optional(),
  transaction_amount: PaypalMoneySchema,
  fee_amount: PaypalMoneySchema.optional(),
  transaction_status: z.string(),
  transaction_subject: z.string().optional(),
  invoice_id: z.string().optional(),
  custom_field: z.string().optional(),
})

export const PayerInfoSchema = z.looseObject({
  account_id: z.string().optional(),
  email_address: z.string().optional(),
  payer_name: z.looseObject({given_name: z.string().optional(), surname: z.string().optional()}).optional(),
  country_code: z.string().optional(),
})

export const TransactionDetailSchema = z.looseObject({
  transaction_info: TransactionInfoSchema,
  payer_info: PayerInfoSchema.optional(),
})
export type TransactionDetail = z.infer<typeof TransactionDetailSchema>

/** The envelope only: items are validated one by one, so one bad item is quarantined, not the page. */
export const SearchResponseSchema = z.looseObject({
  transaction_details: z.array(z.unknown()),
  account_number: z.string().optional(),
  start_date: z.string().optional(),
  end_date: z.string().optional(),
  last_refreshed_datetime: z.string().optional(),
  page: z.number().int().min(1),
  total_items: z.number().int().min(0),
  total_pages: z.number().int().min(0),
  links: z.array(LinkSchema).optional(),
})

// ---- Disputes ----
export const DISPUTE_STATUSES = [
  'OPEN',
  'WAITING_FOR_BUYER_RESPONSE',
  'WAITING_FOR_SELLER_RESPONSE',
  'UNDER_REVIEW',
  'RESOLVED',
  'OTHER',
] as const

export const DisputeSummarySchema = z.looseObject({
  dispute_id: z.string().min(1),
  create_time: z.string(),
  update_time: z.string(),
  status: z.string(),
  reason: z.string().optional(),
  dispute_amount: PaypalMoneySchema.optional(),
  links: z.array(LinkSchema).optional(),
})

export const DisputedTransactionSchema = z.looseObject({
  seller_transaction_id: z.string().min(1),
  buyer_transaction_id: z.string().optional(),
  invoice_number: z.string().optional(),
  buyer: z.looseObject({payer_id: z.string().optional(), name: z.string().optional()}).optional(),
})

export const DisputeDetailSchema = DisputeSummarySchema.extend({
  disputed_transactions: z.array(DisputedTransactionSchema).min(1, 'names no disputed transaction'),
  dispute_amount: PaypalMoneySchema,
  dispute_outcome: z.looseObject({outcome_code: z.string(), amount_refunded: PaypalMoneySchema.optional()}).optional(),
  dispute_life_cycle_stage: z.string().optional(),
  dispute_channel: z.string().optional(),
})
export type DisputeDetail = z.infer<typeof DisputeDetailSchema>

export const DisputeListSchema = z.looseObject({
  items: z.array(z.unknown()).optional(),
  links: z.array(LinkSchema).optional(),
})

// ---- Orders / captures / refunds (createPayment and webhook resources) ----
export const CAPTURE_STATUSES = [
  'COMPLETED',
  'DECLINED',
  'PARTIALLY_REFUNDED',
  'PENDING',
  'REFUNDED',
  'FAILED',
] as const
export const REFUND_STATUSES = ['CANCELLED', 'FAILED', 'PENDING', 'COMPLETED'] as const

export const CaptureSchema = z.looseObject({
  id: z.string().min(1),
  status: z.enum(CAPTURE_STATUSES),
  status_details: z.looseObject({reason: z.string().optional()}).optional(),
  amount: PaypalMoneySchema,
  invoice_id: z.string().optional(),
  custom_id: z.string().optional(),
  seller_receivable_breakdown: z
    .looseObject({
      gross_amount: PaypalMoneySchema.optional(),
      paypal_fee: PaypalMoneySchema.optional(),
      net_amount: PaypalMoneySchema.optional(),
    })
    .optional(),
  create_time: z.string(),
  update_time: z.string().optional(),
  links: z.array(LinkSchema).optional(),
})
export type Capture = z.infer<typeof CaptureSchema>

export const RefundSchema = z.looseObject({
  id: z.string().min(1),
  status: z.enum(REFUND_STATUSES),
  amount: PaypalMoneySchema,
  invoice_id: z.string().optional(),
  seller_payable_breakdown: z.looseObject({paypal_fee: PaypalMoneySchema.optional()}).optional(),
  create_time: z.string(),
  update_time: z.string().optional(),
  links: z.array(LinkSchema).min(1, 'no links: the refunded capture is named by the "up" link'),
})

export const OrderSchema = z.looseObject({
  id: z.string().min(1),
  status: z.enum(['CREATED', 'SAVED', 'APPROVED', 'VOIDED', 'COMPLETED', 'PAYER_ACTION_REQUIRED']),
  payer: z.looseObject({payer_id: z.string().optional()}).optional(),
  purchase_units: z
    .array(z.looseObject({payments: z.looseObject({captures: z.array(CaptureSchema).optional()}).optional()}))
    .optional(),
  links: z.array(LinkSchema).optional(),
})

// ---- Webhooks ----
export const WebhookEnvelopeSchema = z.looseObject({
  id: z.string().min(1),
  event_version: z.string().optional(),
  create_time: z.string(),
  resource_type: z.string().optional(),
  resource_version: z.string().optional(),
  event_type: z.string().min(1),
  summary: z.string().optional(),
  resource: z.record(z.string(), z.unknown()),
  links: z.array(LinkSchema).optional(),
})

export const VerifyResponseSchema = z.looseObject({verification_status: z.enum(['SUCCESS', 'FAILURE'])})

// ---- OAuth and errors ----
export const TokenResponseSchema = z.looseObject({
  scope: z.string().optional(),
  access_token: z.string().min(1),
  token_type: z.string(),
  app_id: z.string().optional(),
  expires_in: z.number().int().positive(),
  nonce: z.string().optional(),
})

export const OAuthErrorSchema = z.looseObject({error: z.string(), error_description: z.string().optional()})

export const ErrorDetailSchema = z.looseObject({
  field: z.string().optional(),
  value: z.string().optional(),
  location: z.string().optional(),
  issue: z.string(),
  description: z.string().optional(),
})
export const ErrorBodySchema = z.looseObject({
  name: z.string(),
  message: z.string().optional(),
  debug_id: z.string().optional(),
  details: z.array(ErrorDetailSchema).optional(),
  links: z.array(LinkSchema).optional(),
})
export type PaypalErrorBody = z.infer<typeof ErrorBodySchema>

export {describeIssues} from '../translate-kit.js'
