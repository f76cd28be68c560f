import {z} from 'zod'

import {assertCurrency} from '../../core/currency.js'

/** Field rules shared by every import and by the matching flags, so a CSV cell and a flag fail alike. */
export const requiredId = z.string({error: 'required'}).trim().min(1, 'required').max(200, 'longer than 200 characters')

/** Empty cells and absent keys both mean "not given". */
export const optionalText = z
  .string()
  .optional()
  .nullable()
  .transform((v) => (v === undefined || v === null || v.trim() === '' ? null : v.trim()))

export const currencyCode = z.string({error: 'required'}).transform((c, ctx) => {
  try {
    return assertCurrency(c)
  } catch (error) {
    ctx.addIssue({code: 'custom', message: (error as Error).message})
    return z.NEVER
  }
})

/** ISO-8601 date or date-time; stored as UTC ISO. A date alone means midnight UTC. */
export const isoTime = z.string({error: 'required'}).transform((value, ctx) => {
  const v = value.trim()
  const ok = /^\d{4}-\d{2}-\d{2}(?:[T ]\d{2}:\d{2}(?::\d{2}(?:\.\d{1,9})?)?(?:Z|[+-]\d{2}:?\d{2})?)?$/.test(v)
  const ms = ok ? Date.parse(v.length === 10 ? `${v}T00:00:00Z` : v.replace(' ', 'T')) : Number.NaN
  if (Number.isNaN(ms)) {
    ctx.addIssue({code: 'custom', message: `"${value}" is not an ISO-8601 date or time`})
    return z.NEVER
  }
  return new Date(ms).toISOString()
})
