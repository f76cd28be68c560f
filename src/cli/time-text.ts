/** "45s", "12m", "5h", "3d": a span as a person reads it at a glance (the exact times are in --json). */
export function humanDuration(ms: number): string {
  const s = Math.round(Math.max(0, ms) / 1000)
  if (s < 120) return `${s}s`
  const m = Math.round(s / 60)
  if (m < 120) return `${m}m`
  const h = Math.round(m / 60)
  return h < 48 ? `${h}h` : `${Math.round(h / 24)}d`
}

/** An ISO time to the second ("2026-03-01T12:00:05Z"): what a list cell needs; --json keeps the milliseconds. */
export function toSecond(iso: string): string {
  return iso.replace(/\.\d+Z$/, 'Z')
}

/** "2m ago" for a past ISO time seen from `nowMs`; a time ahead of the clock (skew) reads "just now". */
export function ago(iso: string, nowMs: number): string {
  const ms = nowMs - Date.parse(iso)
  return ms < 1000 ? 'just now' : `${humanDuration(ms)} ago`
}
