import {UsageError} from './errors.js'

const UNITS: Record<string, number> = {ms: 1, s: 1000, m: 60_000, h: 3_600_000, d: 86_400_000, w: 604_800_000}

/** "30s", "5m", "2h", "1d", "1w", "250ms" -> milliseconds. The error names the flag it came from. */
export function parseDuration(value: string, flag: string): number {
  const m = /^(\d+)(ms|s|m|h|d|w)$/.exec(value.trim())
  if (!m) throw new UsageError(`${flag} ${JSON.stringify(value)}: expected a duration like 30s, 5m, 2h, 1d`)
  const ms = Number(m[1]) * UNITS[m[2]!]!
  if (ms <= 0) throw new UsageError(`${flag} ${JSON.stringify(value)}: must be greater than zero`)
  return ms
}

/** "5m,30m,2h,1d" -> [300000, 1800000, ...]; each delay at least the one before (a schedule that backs off). */
export function parseSchedule(value: string, flag: string): number[] {
  const delays = value.split(',').map((part) => parseDuration(part, flag))
  for (let i = 1; i < delays.length; i++) {
    if (delays[i]! < delays[i - 1]!)
      throw new UsageError(
        `${flag} ${JSON.stringify(value)}: delays must not shrink (${value.split(',')[i]} after ${value.split(',')[i - 1]})`,
      )
  }
  return delays
}
