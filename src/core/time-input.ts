import {parseDuration} from './duration.js'
import {UsageError} from './errors.js'

/**
 * The one reading of a time typed on the command line (--since, --date), so every command accepts the same forms
 * and refuses the same garbage. A date or date-time without an offset is UTC, as everything yms-pay stores is.
 */
export const TIME_FORMS =
  'an ISO date (2026-03-01, UTC), a date-time (2026-03-01T12:00:00Z, any offset) or an age (30m, 24h, 7d)'

const DAY = /^(\d{4})-(\d{2})-(\d{2})$/
const DATE_TIME = /^(\d{4}-\d{2}-\d{2})[T ](\d{2}):(\d{2})(?::(\d{2})(\.\d{1,9})?)?(Z|[+-]\d{2}:?\d{2})?$/i
const AGE = /^\d+[a-z]+$/i

/** The day's UTC midnight in ms, or undefined for a day that does not exist (Date.parse turns 02-30 into 03-02). */
function dayMs(text: string): number | undefined {
  const m = DAY.exec(text)
  if (!m) return undefined
  const [y, mo, d] = [Number(m[1]), Number(m[2]), Number(m[3])]
  const t = new Date(Date.UTC(y, mo - 1, d))
  return t.getUTCFullYear() === y && t.getUTCMonth() === mo - 1 && t.getUTCDate() === d ? t.getTime() : undefined
}

/** Minutes east of UTC for "Z", "+02:00", "-0530"; undefined for an offset no clock has. */
function offsetMinutes(zone: string | undefined): number | undefined {
  const m = /^([+-])(\d{2}):?(\d{2})$/.exec(zone ?? '')
  if (!m) return 0
  const [hours, minutes] = [Number(m[2]), Number(m[3])]
  if (hours > 23 || minutes > 59) return undefined
  return (m[1] === '-' ? -1 : 1) * (hours * 60 + minutes)
}

function dateTimeMs(text: string): number | undefined {
  const m = DATE_TIME.exec(text)
  const day = m ? dayMs(m[1]!) : undefined
  if (!m || day === undefined) return undefined
  const [h, min, s] = [Number(m[2]), Number(m[3]), Number(m[4] ?? 0)]
  const offset = offsetMinutes(m[6])
  if (h > 23 || min > 59 || s > 59 || offset === undefined) return undefined
  const millis = Math.floor(Number(`0${m[5] ?? ''}`) * 1000)
  return day + ((h * 60 + min - offset) * 60 + s) * 1000 + millis
}

function notATime(flag: string, value: string): UsageError {
  return new UsageError(`${flag} ${JSON.stringify(value)}: not a time`, `Give ${TIME_FORMS}.`)
}

/**
 * An instant as the ISO-8601 UTC text the store compares against: a date (its UTC midnight), a date-time (any
 * offset) or an age before `nowMs` ("24h": a day ago). Anything else is a usage error naming the flag, never an
 * empty result.
 */
export function parseInstant(value: string, flag: string, nowMs: number): string {
  const text = value.trim()
  let ms: number | undefined
  if (AGE.test(text)) {
    try {
      ms = nowMs - parseDuration(text, flag)
    } catch {
      throw notATime(flag, value)
    }
  } else ms = dayMs(text) ?? dateTimeMs(text)
  // Beyond ±8.64e15 ms a Date is invalid ("9999999d" ago).
  if (ms === undefined || !(Math.abs(ms) <= 8.64e15)) throw notATime(flag, value)
  return new Date(ms).toISOString()
}

/** A YYYY-MM-DD day that exists (fx --date); the error names the flag and shows the form. */
export function parseDay(value: string, flag: string): string {
  const text = value.trim()
  if (dayMs(text) === undefined)
    throw new UsageError(
      `${flag} ${JSON.stringify(value)}: not a calendar date`,
      `Give a day as YYYY-MM-DD (UTC), e.g. ${flag} 2026-03-01.`,
    )
  return text
}
