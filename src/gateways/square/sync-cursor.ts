import type {Cursor} from '../../core/cursor.js'

/**
 * How the Square adapter sees changes, not just creations (ARCHITECTURE.md "The gateway seam"):
 *
 * - Payments and refunds: `GET /v2/{payments,refunds}?updated_at_begin_time=<watermark − lookback>
 *   &sort_field=UPDATED_AT&sort_order=ASC&limit=100&cursor=…`. A refund, a settlement or a failure bumps the
 *   object's updated_at, so it comes back in a later window. `begin_time` (a filter on created_at that Square
 *   defaults to now − 1 year) is always sent as CREATED_AT_FLOOR, so a year-old payment refunded today is seen.
 * - Disputes: `GET /v2/disputes` has no time filter and no documented order, so every cycle re-scans all pages
 *   and keeps only those with updated_at >= watermark − lookback (disputes are few; one page is one request).
 * - One cycle visits payments, then refunds, then disputes; `hasMore` is false only after the disputes' last page.
 * - A resource's watermark becomes the greatest updated_at seen only once its paging has completed, so a crash
 *   mid-paging repeats pages and never skips any. The lookback re-reads a window before the watermark because
 *   several objects share a timestamp and Square's list endpoints are eventually consistent: duplicates are
 *   fine (the core upserts by id), gaps are not.
 */
export const RESOURCES = ['payments', 'refunds', 'disputes'] as const
export type Resource = (typeof RESOURCES)[number]

export const LOOKBACK_MS = 60_000
export const CREATED_AT_FLOOR = '2009-01-01T00:00:00.000Z' // before Square existed
export const PAGE_LIMIT = 100

export interface SyncCursor {
  v: 1
  resource: Resource
  /** Square's opaque page cursor within the current resource's listing, null at its first page. */
  page: string | null
  /** Greatest updated_at seen per resource, recorded after that resource's listing completed. */
  watermarks: Partial<Record<Resource, string>>
  /** Greatest updated_at seen so far in the listing in progress. */
  maxSeen: string | null
}

function isIso(value: unknown): value is string {
  return typeof value === 'string' && !Number.isNaN(Date.parse(value))
}

/** The stored cursor, or a fresh one. A cursor this version cannot read restarts the cycle (safe: re-reads, never skips). */
export function readCursor(cursor: Cursor | null, since?: string): SyncCursor {
  const c = cursor as Partial<SyncCursor> | null
  if (c && c.v === 1 && RESOURCES.includes(c.resource as Resource) && c.watermarks && typeof c.watermarks === 'object') {
    const watermarks: SyncCursor['watermarks'] = {}
    for (const r of RESOURCES) if (isIso(c.watermarks[r])) watermarks[r] = c.watermarks[r]
    return {
      v: 1,
      resource: c.resource as Resource,
      page: typeof c.page === 'string' && c.page.length > 0 ? c.page : null,
      watermarks,
      maxSeen: isIso(c.maxSeen) ? c.maxSeen : null,
    }
  }
  const start = since && isIso(since) ? new Date(since).toISOString() : undefined
  return {v: 1, resource: 'payments', page: null, watermarks: start ? {payments: start, refunds: start, disputes: start} : {}, maxSeen: null}
}

/** The lower bound on updated_at for the current resource's listing, or undefined for a full read. */
export function updatedSince(state: SyncCursor): string | undefined {
  const mark = state.watermarks[state.resource]
  return mark === undefined ? undefined : new Date(Date.parse(mark) - LOOKBACK_MS).toISOString()
}

export function laterOf(a: string | null, b: string | null): string | null {
  if (a === null) return b
  if (b === null) return a
  return Date.parse(b) > Date.parse(a) ? b : a
}

/** State after one page: stay on the resource while Square returned a cursor, else close its watermark and move on. */
export function advance(state: SyncCursor, pageMaxSeen: string | null, nextPage: string | undefined): {next: SyncCursor; hasMore: boolean} {
  const maxSeen = laterOf(state.maxSeen, pageMaxSeen)
  if (nextPage) return {next: {...state, page: nextPage, maxSeen}, hasMore: true}
  const watermarks = {...state.watermarks}
  const closed = laterOf(watermarks[state.resource] ?? null, maxSeen)
  if (closed !== null) watermarks[state.resource] = new Date(closed).toISOString()
  const index = RESOURCES.indexOf(state.resource)
  const wrapped = index === RESOURCES.length - 1
  const resource = RESOURCES[wrapped ? 0 : index + 1] as Resource
  return {next: {v: 1, resource, page: null, watermarks, maxSeen: null}, hasMore: !wrapped}
}
