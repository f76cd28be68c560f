import {z} from 'zod'

import {assertCurrency} from '../../core/currency.js'

/**
 * Field rules shared by every import and by the matching flags, so a CSV cell and a flag fail alike. Every text
 * field has a length limit, checked before anything else looks at the value, so a 10 MB cell is refused without
 * being parsed, stored or echoed back in the error.
 */
export const LIMITS = {
  id: 200,
  name: 200,
  segment: 100,
  email: 254, // RFC 5321's limit for a forward path
  ref: 256, // Adyen's shopperReference, the longest gateway customer id
  amount: 40,
  time: 40,
  timezone: 64,
  country: 16, // a guard: the value must then be a two-letter code
} as const

/** "name (200)": for the commands' help. */
export function limitsHelp(fields: ReadonlyArray<keyof typeof LIMITS>): string {
  return fields.map((f) => `${f} ${LIMITS[f]}`).join(', ')
}

const tooLong = (limit: number) => `longer than ${limit} characters`

export const requiredId = z.string({error: 'required'}).trim().min(1, 'required').max(LIMITS.id, tooLong(LIMITS.id))

/** Required text, trimmed. */
export const requiredText = (limit: number) =>
  z.string({error: 'required'}).max(limit, tooLong(limit)).trim().min(1, 'required')

/** Optional text, trimmed; empty cells and absent keys both mean "not given". */
export const optionalText = (limit: number) =>
  z
    .string()
    .max(limit, tooLong(limit))
    .optional()
    .nullable()
    .transform((v) => (v === undefined || v === null || v.trim() === '' ? null : v.trim()))

export const currencyCode = z
  .string({error: 'required'})
  .trim()
  .max(3, tooLong(3))
  .transform((c, ctx) => {
    try {
      return assertCurrency(c)
    } catch (error) {
      ctx.addIssue({code: 'custom', message: (error as Error).message})
      return z.NEVER
    }
  })

/** ISO-8601 date or date-time; stored as UTC ISO. A date alone means midnight UTC. */
export const isoTime = z
  .string({error: 'required'})
  .max(LIMITS.time, tooLong(LIMITS.time))
  .transform((value, ctx) => {
    const v = value.trim()
    const ok = /^\d{4}-\d{2}-\d{2}(?:[T ]\d{2}:\d{2}(?::\d{2}(?:\.\d{1,9})?)?(?:Z|[+-]\d{2}:?\d{2})?)?$/.test(v)
    const ms = ok ? Date.parse(v.length === 10 ? `${v}T00:00:00Z` : v.replace(' ', 'T')) : Number.NaN
    if (Number.isNaN(ms)) {
      ctx.addIssue({code: 'custom', message: `"${value}" is not an ISO-8601 date or time`})
      return z.NEVER
    }
    return new Date(ms).toISOString()
  })
