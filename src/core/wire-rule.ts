/**
 * How a gateway puts one currency on the wire when it differs from ISO 4217. Each gateway's deviations live in
 * its own `facts.ts` (docs/gateways.md, "Currencies and exponents"); core/money.ts applies them.
 */
export interface WireRule {
  /** Decimal places of the gateway's integer (or decimal string) amount. */
  exponent: number
  /** Amounts we send must be a multiple of this many wire units (Stripe: three-decimal currencies end in 0). */
  sendMultipleOf?: number
  /** The gateway's rule in words, quoted in errors. */
  rule: string
}

/** A gateway's name (for messages) and its deviations from ISO; a currency absent here uses its ISO exponent. */
export interface CurrencyWire {
  gateway: string
  deviations: Readonly<Record<string, WireRule>>
}

/** `zeroDecimal('JPY HUF', 'why')`: the same zero-exponent rule for several codes. */
export function zeroDecimal(codes: string, rule: string): Record<string, WireRule> {
  return Object.fromEntries(codes.split(' ').map((c) => [c, {exponent: 0, rule}]))
}
