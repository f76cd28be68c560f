/**
 * Settlement detail report dates are wall-clock `YYYY-MM-DD HH:MM:SS` in the zone named by the `TimeZone`
 * column. Fixed abbreviations are converted exactly (CET is always +01:00 and CEST +02:00, whatever the date:
 * ⚠ Adyen's own sample labels a June row "CET", so we trust the label, not the calendar). IANA names go
 * through Intl, which knows their DST rules.
 */
const FIXED_OFFSET_MINUTES: Readonly<Record<string, number>> = {
  UTC: 0,
  GMT: 0,
  Z: 0,
  WET: 0,
  WEST: 60,
  BST: 60,
  CET: 60,
  CEST: 120,
  MET: 60,
  MEST: 120,
  EET: 120,
  EEST: 180,
  MSK: 180,
  EST: -300,
  EDT: -240,
  CST: -360,
  CDT: -300,
  MST: -420,
  MDT: -360,
  PST: -480,
  PDT: -420,
  HKT: 480,
  SGT: 480,
  JST: 540,
  AEST: 600,
  AEDT: 660,
}

const WALL_CLOCK = /^(\d{4})-(\d{2})-(\d{2})[ T](\d{2}):(\d{2}):(\d{2})$/
const OFFSET_FORM = /^(?:UTC|GMT)?([+-])(\d{1,2})(?::?(\d{2}))?$/

function wallClockMs(value: string): number | null {
  const m = WALL_CLOCK.exec(value.trim())
  if (!m) return null
  const [y, mo, d, h, mi, s] = m.slice(1).map(Number) as [number, number, number, number, number, number]
  const ms = Date.UTC(y, mo - 1, d, h, mi, s)
  const back = new Date(ms)
  // Date.UTC rolls 2013-02-30 over to March: reject instead of guessing.
  if (
    back.getUTCFullYear() !== y ||
    back.getUTCMonth() !== mo - 1 ||
    back.getUTCDate() !== d ||
    h > 23 ||
    mi > 59 ||
    s > 59
  )
    return null
  return ms
}

function fixedOffset(zone: string): number | null {
  const upper = zone.trim().toUpperCase()
  const named = FIXED_OFFSET_MINUTES[upper]
  if (named !== undefined) return named
  const m = OFFSET_FORM.exec(upper)
  if (!m) return null
  const minutes = Number(m[2]) * 60 + Number(m[3] ?? 0)
  if (minutes > 14 * 60) return null
  return m[1] === '-' ? -minutes : minutes
}

const formatters = new Map<string, Intl.DateTimeFormat>()

/** Offset (minutes east of UTC) of an IANA zone at an instant; null when Intl does not know the zone. */
export function ianaOffsetMinutes(zone: string, atMs: number): number | null {
  let fmt = formatters.get(zone)
  if (!fmt) {
    try {
      fmt = new Intl.DateTimeFormat('en-US', {
        timeZone: zone,
        hourCycle: 'h23',
        year: 'numeric',
        month: '2-digit',
        day: '2-digit',
        hour: '2-digit',
        minute: '2-digit',
        second: '2-digit',
      })
    } catch {
      return null
    }
    formatters.set(zone, fmt)
  }
  const parts = Object.fromEntries(fmt.formatToParts(new Date(atMs)).map((p) => [p.type, p.value]))
  const local = Date.UTC(
    Number(parts.year),
    Number(parts.month) - 1,
    Number(parts.day),
    Number(parts.hour),
    Number(parts.minute),
    Number(parts.second),
  )
  return Math.round((local - Math.floor(atMs / 1000) * 1000) / 60_000)
}

/**
 * Wall-clock time in `zone` -> epoch ms, or null when the date or the zone is not understood.
 * For IANA zones a time in a DST gap or overlap resolves to the offset in force just before the change.
 */
export function wallClockToEpochMs(value: string, zone: string): number | null {
  const local = wallClockMs(value)
  if (local === null) return null
  const fixed = fixedOffset(zone)
  if (fixed !== null) return local - fixed * 60_000
  const before = ianaOffsetMinutes(zone.trim(), local - 86_400_000)
  if (before === null) return null
  let guess = local - before * 60_000
  const actual = ianaOffsetMinutes(zone.trim(), guess)
  if (actual !== null && actual !== before) {
    const second = local - actual * 60_000
    if (ianaOffsetMinutes(zone.trim(), second) === actual) guess = second
  }
  return guess
}

/** ISO-8601 UTC without milliseconds, the form NormalizedTxn times take. */
export function isoSeconds(ms: number): string {
  return new Date(Math.floor(ms / 1000) * 1000).toISOString().replace('.000Z', 'Z')
}
