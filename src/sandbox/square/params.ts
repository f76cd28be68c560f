import {toIsoUtc} from '../../gateways/square/translate.js'
import type {CursorPos} from './list.js'
import {BadRequest, invalid} from './responses.js'
import type {Row} from './snapshot.js'

/** List query parameters, read and refused as Square does (an INVALID_… error naming the field). */
export const MAX_LIMIT = 100
const YEAR_MS = 365 * 86_400_000

function timeParam(query: URLSearchParams, name: string): string | undefined {
  const value = query.get(name)
  if (value === null || value === '') return undefined
  try {
    return toIsoUtc(value)
  } catch {
    throw new BadRequest(invalid('INVALID_TIME', `Invalid ${name}: expected an RFC 3339 timestamp.`, name))
  }
}

function enumParam<T extends string>(query: URLSearchParams, name: string, allowed: readonly T[], fallback: T): T {
  const value = query.get(name)
  if (value === null || value === '') return fallback
  if (!(allowed as readonly string[]).includes(value)) {
    throw new BadRequest(
      invalid(
        'INVALID_ENUM_VALUE',
        `Invalid value for ${name}: ${value}. Expected one of ${allowed.join(', ')}.`,
        name,
      ),
    )
  }
  return value as T
}

export function limitParam(query: URLSearchParams): number {
  const value = Number.parseInt(query.get('limit') ?? '', 10)
  if (!Number.isFinite(value) || value < 1) return MAX_LIMIT
  return Math.min(value, MAX_LIMIT) // larger values are ignored, as Square does
}

export function cursorParam(query: URLSearchParams): CursorPos | null {
  const value = query.get('cursor')
  if (value === null || value === '') return null
  try {
    const pos = JSON.parse(Buffer.from(value, 'base64url').toString('utf8')) as CursorPos
    if (typeof pos.k === 'string' && typeof pos.i === 'string') return pos
  } catch {
    // fall through
  }
  throw new BadRequest(invalid('INVALID_CURSOR', 'The pagination cursor is not valid.', 'cursor'))
}

/**
 * The time and location filters payments and refunds share: `begin_time`/`end_time` on created_at (by default
 * the year up to now), `updated_at_begin_time`/`updated_at_end_time` on updated_at, and `location_id`.
 */
export function timeFilter(query: URLSearchParams, now: string): (r: Row) => boolean {
  const begin = timeParam(query, 'begin_time') ?? new Date(Date.parse(now) - YEAR_MS).toISOString()
  const end = timeParam(query, 'end_time') ?? now
  const updatedBegin = timeParam(query, 'updated_at_begin_time')
  const updatedEnd = timeParam(query, 'updated_at_end_time')
  const location = query.get('location_id') || undefined
  return (r: Row) =>
    r.created >= begin &&
    r.created <= end &&
    (updatedBegin === undefined || r.updated >= updatedBegin) &&
    (updatedEnd === undefined || r.updated <= updatedEnd) &&
    (location === undefined || r.location === location)
}

/** `sort_field` as a row key: UPDATED_AT sorts by updated_at, anything else allowed by created_at. */
export function sortKeyParam(query: URLSearchParams, allowed: readonly string[]): 'created' | 'updated' {
  return enumParam(query, 'sort_field', allowed, 'CREATED_AT') === 'UPDATED_AT' ? 'updated' : 'created'
}

export function sortOrderParam(query: URLSearchParams): 'ASC' | 'DESC' {
  return enumParam(query, 'sort_order', ['ASC', 'DESC'] as const, 'DESC')
}
