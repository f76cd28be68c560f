/**
 * The card networks whose retry rules yms-pay enforces (docs/gateways.md#card-network-caps), plus `other` (another
 * card brand: JCB, UnionPay, Cartes Bancaires, …, no cap configured) and `none` (not a card: a wallet balance, a
 * bank debit). A failure whose network the gateway did not report has no `network` at all, and the caps treat it
 * as possibly any card network (network-caps.ts).
 */
export const CARD_NETWORKS = ['visa', 'mastercard', 'amex', 'discover', 'other', 'none'] as const
export type CardNetwork = (typeof CARD_NETWORKS)[number]

/** Brand names as the gateways write them (Stripe `mastercard`, Adyen `mc`, Square `MASTERCARD`, Braintree `MasterCard`). */
const BRANDS: Readonly<Record<string, CardNetwork>> = {
  visa: 'visa',
  visa_applepay: 'visa',
  visa_googlepay: 'visa',
  visaclassic: 'visa',
  visadebit: 'visa',
  electron: 'visa',
  mastercard: 'mastercard',
  mc: 'mastercard',
  mc_applepay: 'mastercard',
  mc_googlepay: 'mastercard',
  mcdebit: 'mastercard',
  maestro: 'mastercard',
  amex: 'amex',
  american_express: 'amex',
  americanexpress: 'amex',
  discover: 'discover',
  discover_diners: 'discover',
  diners: 'discover',
}

/**
 * A gateway's brand name -> network; null for an empty or `unknown` brand. Case, spaces and dashes do not matter
 * (`MasterCard`, `AMERICAN_EXPRESS`, `American Express`). A named brand that is none of the capped networks is `other`.
 */
export function networkOfBrand(brand: string | null | undefined): CardNetwork | null {
  if (!brand) return null
  const key = brand
    .trim()
    .toLowerCase()
    .replace(/[\s-]+/g, '_')
  if (key === '' || key === 'unknown') return null
  return BRANDS[key] ?? BRANDS[key.replaceAll('_', '')] ?? 'other'
}
