/**
 * The settlement detail report has no shopper column, only `Merchant Reference` (our payment `reference`,
 * ≤ 80 characters). yms-pay writes it as `<customerRef>:<invoiceRef>:<paymentKey>` so a pulled row names its
 * customer and invoice. Parts are percent-encoded for `%` and `:` only, so common ids stay readable
 * (`shopper-c000042:inv-000017:p000123`); an empty invoice part means "no invoice". A reference in any other
 * form (another integration's) yields no customer or invoice, and the core quarantines it as unknown_customer.
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
