/**
 * The merchant reference yms-pay writes on the payments it creates (docs/gateways.md#adyen-settlement-reports):
 * `<customerRef>:<invoiceRef>:<paymentKey>` (≤ 80 characters). Parts are percent-encoded for `%` and `:` only,
 * so common ids stay readable (`shopper-c000042:inv-000017:p000123`); an empty invoice part means "no invoice".
 * A merchant's own checkout writes its own references: those name nobody here, and the customer comes from the
 * shopper reference instead (paymentParties).
 */
export interface ReferenceParts {
  customerRef: string
  invoiceRef: string | null
  paymentKey: string
}

const enc = (part: string): string => part.replace(/%/g, '%25').replace(/:/g, '%3A')
const dec = (part: string): string => part.replace(/%3A/gi, ':').replace(/%25/g, '%')

export function formatMerchantReference(parts: ReferenceParts): string {
  return `${enc(parts.customerRef)}:${enc(parts.invoiceRef ?? '')}:${enc(parts.paymentKey)}`
}

export function parseMerchantReference(reference: string | null | undefined): ReferenceParts | null {
  if (!reference) return null
  const pieces = reference.split(':')
  if (pieces.length !== 3) return null
  const [customer, invoice, key] = pieces as [string, string, string]
  if (customer === '' || key === '') return null
  return {customerRef: dec(customer), invoiceRef: invoice === '' ? null : dec(invoice), paymentKey: dec(key)}
}

export interface PaymentParties {
  customerRef: string | null
  invoiceRef: string | null
  /** Whether the merchant reference is yms-pay's own (so its invoice part is the invoice). */
  ownReference: boolean
}

/**
 * Who a payment is for. The shopper reference (a report column or a webhook's additionalData), when there is one,
 * names the customer. A merchant reference in yms-pay's form counts as yms-pay's only when its customer part agrees
 * with that shopper reference (or there is none): a merchant's own reference that merely looks like `a:b:c`
 * (`2024:05:0031`) must not invent a customer or an invoice.
 */
export function paymentParties(shopperReference: string | null, merchantReference: string | null): PaymentParties {
  const shopper = shopperReference?.trim() || null
  const own = parseMerchantReference(merchantReference?.trim())
  if (own && (shopper === null || own.customerRef === shopper))
    return {customerRef: own.customerRef, invoiceRef: own.invoiceRef, ownReference: true}
  return {customerRef: shopper, invoiceRef: null, ownReference: false}
}
