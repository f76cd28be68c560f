import {z} from 'zod'

const columnName = (setting: string) => z.string().trim().min(1, `${setting} names a report column: it cannot be empty`)

/**
 * Provider settings (non-secret; docs/gateways.md#adyen-auth). The report host differs from the checkout host in
 * production; the report columns that hold the customer and the invoice are the account's own choice.
 */
export const AdyenSettingsSchema = z.object({
  merchant_account: z.string().min(1, 'merchant_account is required (the Adyen merchant account code)'),
  /** e.g. https://ca-live.adyen.com; default: derived from the base URL (ca-live / ca-test, or the base URL itself). */
  report_base_url: z.url().optional(),
  /** The report user (`report@Company.YourCompany`) for Basic auth with the secret report_password. */
  report_user: z.string().trim().min(1).optional(),
  /** The report column naming the customer (default `Shopper Reference`, see report-columns.ts). */
  customer_column: columnName('customer_column').optional(),
  /** The report column naming the invoice of payments yms-pay did not create (default: none). */
  invoice_column: columnName('invoice_column').optional(),
})
export type AdyenSettings = z.infer<typeof AdyenSettingsSchema>

/** API amounts: integer minor units in Adyen's own exponent (docs/gateways.md#adyen-amounts). */
export const AdyenAmountSchema = z.object({currency: z.string(), value: z.number().int()})

/** One webhook item (AN typings/notification/notificationRequestItem.ts); `success` is the string "true"/"false". */
export const NotificationRequestItemSchema = z.looseObject({
  additionalData: z.record(z.string(), z.string()).optional(),
  amount: AdyenAmountSchema,
  eventCode: z.string().min(1),
  eventDate: z.string().min(1),
  merchantAccountCode: z.string(),
  merchantReference: z.string().optional(),
  originalReference: z.string().optional(),
  paymentMethod: z.string().optional(),
  pspReference: z.string().min(1),
  reason: z.string().optional(),
  success: z.enum(['true', 'false']),
  operations: z.array(z.string()).optional(),
})
export type NotificationRequestItem = z.infer<typeof NotificationRequestItemSchema>

export const NotificationEnvelopeSchema = z.looseObject({
  live: z.string().optional(),
  notificationItems: z.array(z.looseObject({NotificationRequestItem: z.unknown()})).min(1),
})

/** POST /v72/payments response (the fields yms-pay reads; AN typings/checkout/paymentResponse.ts). */
export const PaymentResponseSchema = z.looseObject({
  pspReference: z.string().optional(),
  resultCode: z.string(),
  merchantReference: z.string().optional(),
  refusalReason: z.string().optional(),
  refusalReasonCode: z.string().optional(),
  amount: AdyenAmountSchema.optional(),
  additionalData: z.record(z.string(), z.string()).optional(),
  /** Checkout's ResponsePaymentMethod: only the brand is read (the card network whose retry rules apply). */
  paymentMethod: z.looseObject({brand: z.string().optional()}).optional().catch(undefined),
})
export type PaymentResponse = z.infer<typeof PaymentResponseSchema>
