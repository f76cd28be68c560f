import {z} from 'zod'

import type {BraintreeValidationError} from './api-error.js'

/** `EUR:acct_eur,USD:acct_usd`: the merchant account (hence currency) a sale in each currency is made on. */
const MerchantAccounts = z
  .string()
  .regex(/^[A-Za-z]{3}:[^,:\s]+(,[A-Za-z]{3}:[^,:\s]+)*$/, 'expected CUR:merchant_account_id pairs separated by commas')

/** The non-secret settings (facts.ts says what each is for); private_key is the one secret. */
export const BraintreeSettingsSchema = z
  .object({
    merchant_id: z.string().min(1),
    public_key: z.string().min(1),
    merchant_accounts: MerchantAccounts.optional(),
  })
  .strict()
  .transform((s): Record<string, string> => ({...s}) as Record<string, string>)

/** The merchant_accounts setting as currency -> merchant account id. */
export function parseMerchantAccounts(value: string | undefined): Map<string, string> {
  const map = new Map<string, string>()
  for (const pair of value ? value.split(',') : []) {
    const [currency, account] = pair.split(':')
    if (currency && account) map.set(currency.toUpperCase(), account)
  }
  return map
}

/**
 * Shapes of Braintree's XML once xml.ts has read it (kebab-case names as on the wire). Only what the adapter
 * reads is declared; everything else passes through (`loose`) and is kept in `raw`.
 */
const text = z
  .union([z.string(), z.number(), z.null()])
  .optional()
  .transform((v) => (v === undefined || v === null || v === '' ? null : String(v)))

const required = z.union([z.string().min(1), z.number()]).transform(String)

export const BraintreeTransactionSchema = z
  .object({
    id: required,
    status: z.string().min(1),
    type: z.string().min(1),
    'currency-iso-code': z.string().min(1),
    amount: required,
    'created-at': z.string().min(1),
    'updated-at': text,
    'order-id': text,
    'refunded-transaction-id': text,
    'processor-response-code': text,
    'processor-response-text': text,
    'processor-response-type': text,
    'processor-settlement-response-code': text,
    'processor-settlement-response-text': text,
    'gateway-rejection-reason': text,
    /** The network's own response and Mastercard's merchant advice code (docs/gateways.md#braintree-declines). */
    'network-response-code': text,
    'merchant-advice-code': text,
    'merchant-account-id': text,
    'payment-instrument-type': text,
    /** Only the card's type is read: the network whose retry rules apply. */
    'credit-card': z
      .union([z.object({'card-type': text}).loose(), z.literal(''), z.null()])
      .optional()
      .transform((c) => (c && typeof c === 'object' ? c['card-type'] : null)),
    customer: z
      .union([z.object({id: text}).loose(), z.literal(''), z.null()])
      .optional()
      .transform((c) => (c && typeof c === 'object' ? c.id : null)),
  })
  .loose()
export type BraintreeTransaction = z.infer<typeof BraintreeTransactionSchema>

export const BraintreeDisputeSchema = z
  .object({
    id: required,
    status: z.string().min(1),
    kind: text,
    reason: text,
    amount: text,
    'amount-disputed': text,
    'currency-iso-code': z.string().min(1),
    'created-at': text,
    'updated-at': text,
    'received-date': text,
    'date-opened': text,
    transaction: z.object({id: required}).loose(),
  })
  .loose()
export type BraintreeDispute = z.infer<typeof BraintreeDisputeSchema>

export const SearchResultsSchema = z.object({
  'page-size': z.number().int().positive(),
  ids: z.array(required),
})

export const CollectionSchema = z.object({
  'current-page-number': z.number().int().optional(),
  'page-size': z.number().int().positive(),
  'total-items': z.number().int().nonnegative(),
})

const ValidationErrorSchema = z.object({code: required, attribute: text, message: text}).loose()

export const ApiErrorResponseSchema = z
  .object({
    message: text,
    errors: z.unknown().optional(),
    transaction: z.unknown().optional(),
  })
  .loose()

/** Every `<error>` nested anywhere under `<errors>` (they nest per object: transaction, customer, …). */
export function collectValidationErrors(node: unknown): BraintreeValidationError[] {
  const out: BraintreeValidationError[] = []
  const visit = (value: unknown): void => {
    if (Array.isArray(value)) {
      for (const item of value) visit(item)
      return
    }
    if (!value || typeof value !== 'object') return
    const parsed = ValidationErrorSchema.safeParse(value)
    if (parsed.success && 'code' in value) {
      out.push({code: parsed.data.code, attribute: parsed.data.attribute ?? '', message: parsed.data.message ?? ''})
      return
    }
    for (const child of Object.values(value)) visit(child)
  }
  visit(node)
  return out
}

export {describeIssues} from '../translate-kit.js'
