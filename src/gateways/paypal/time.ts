/**
 * PayPal timestamps. The spec says RFC 3339 (`Z` or `±hh:mm`), but PayPal's own reporting samples write `+0000`
 * (docs/gateways.md#paypal-listing), so all three offset forms are accepted. Output is ISO-8601 UTC with milliseconds.
 */
const PAYPAL_TIME = /^(\d{4}-\d{2}-\d{2})[Tt](\d{2}:\d{2}:\d{2})(\.\d+)?([Zz]|[+-]\d{2}:?\d{2})$/

/** ISO UTC string, or null when the value is not a timestamp PayPal would send. */
export function paypalTimeToIso(value: string): string | null {
  const m = PAYPAL_TIME.exec(value)
  if (!m) return null
  const [, date, time, frac = '', zone = 'Z'] = m
  const offset = zone === 'Z' || zone === 'z' ? 'Z' : `${zone.slice(0, 3)}:${zone.slice(-2)}`
  // Fractions beyond milliseconds are cut, never rounded up into the next second.
  const ms = Date.parse(`${date}T${time}${frac.slice(0, 4)}${offset}`)
  return Number.isNaN(ms) ? null : new Date(ms).toISOString()
}

/** RFC 3339 with whole seconds, as the transaction search wants its `start_date`/`end_date`. */
export function toPaypalTime(ms: number): string {
  return new Date(Math.floor(ms / 1000) * 1000).toISOString().replace('.000Z', 'Z')
}
