/**
 * The issuer's raw response code as the networks write it: two characters (`05`, `51`, `N7`, `R1`). Gateways pass it
 * on with or without the leading zero and often with its text (Adyen `refusalReasonRaw`: `51 : Insufficient funds`),
 * so every reader normalizes through here before comparing with a configured list.
 */
export function normalizeNetworkCode(value: string | null | undefined): string | null {
  const m = /^\s*([0-9A-Z]{1,2})(?![0-9A-Z])/i.exec(value ?? '')
  if (!m) return null
  const code = m[1]!.toUpperCase()
  return /^\d$/.test(code) ? `0${code}` : code
}
