import type {z} from 'zod'

import type {Cursor} from '../../core/cursor.js'
import {deferredPage} from '../page.js'
import {collect, describeIssues, type Translation} from '../translate-kit.js'
import type {FetchedTxn, Quarantined} from '../../core/transaction.js'
import type {Page} from '../types.js'
import {SquareApiError} from './api-error.js'
import type {SquareApi} from './api.js'
import {ListDisputesResponseSchema, ListPaymentsResponseSchema, ListRefundsResponseSchema} from './schema.js'
import {type TranslateContext, translateDispute, translatePayment, translateRefund} from './translate.js'

/**
 * How the Square pull sees changes, not just creations (docs/gateways.md#square-listing):
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
const RESOURCES = ['payments', 'refunds', 'disputes'] as const
export type Resource = (typeof RESOURCES)[number]

const LOOKBACK_MS = 60_000
const CREATED_AT_FLOOR = '2009-01-01T00:00:00.000Z' // before Square existed
const PAGE_LIMIT = 100

export interface SquareCursor {
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
export function readCursor(cursor: Cursor | null, since?: string): SquareCursor {
  const c = cursor as Partial<SquareCursor> | null
  if (
    c &&
    c.v === 1 &&
    RESOURCES.includes(c.resource as Resource) &&
    c.watermarks &&
    typeof c.watermarks === 'object'
  ) {
    const watermarks: SquareCursor['watermarks'] = {}
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
  return {
    v: 1,
    resource: 'payments',
    page: null,
    watermarks: start ? {payments: start, refunds: start, disputes: start} : {},
    maxSeen: null,
  }
}

/** The lower bound on updated_at for the current resource's listing, or undefined for a full read. */
function updatedSince(state: SquareCursor): string | undefined {
  const mark = state.watermarks[state.resource]
  return mark === undefined ? undefined : new Date(Date.parse(mark) - LOOKBACK_MS).toISOString()
}

function laterOf(a: string | null, b: string | null): string | null {
  if (a === null) return b
  if (b === null) return a
  return Date.parse(b) > Date.parse(a) ? b : a
}

/** State after one page: stay on the resource while Square returned a cursor, else close its watermark and move on. */
function advance(
  state: SquareCursor,
  pageMaxSeen: string | null,
  nextPage: string | undefined,
): {next: SquareCursor; hasMore: boolean} {
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

/** Where a page is read from and for whom: the provider, and the location_id setting when one is set. */
export interface PullScope {
  ctx: TranslateContext
  locationId: string | undefined
}

/** Each listing's envelope, read down to its items and Square's page cursor. */
const ENVELOPES = {
  payments: ListPaymentsResponseSchema.transform((b) => ({items: b.payments ?? [], cursor: b.cursor})),
  refunds: ListRefundsResponseSchema.transform((b) => ({items: b.refunds ?? [], cursor: b.cursor})),
  disputes: ListDisputesResponseSchema.transform((b) => ({items: b.disputes ?? [], cursor: b.cursor})),
} satisfies Record<Resource, z.ZodType<{items: unknown[]; cursor: string | undefined}>>

const TRANSLATORS: Record<Resource, (raw: unknown, ctx: TranslateContext) => Translation> = {
  payments: translatePayment,
  refunds: translateRefund,
  disputes: translateDispute,
}

export async function fetchSquarePage(
  api: SquareApi,
  scope: PullScope,
  state: SquareCursor,
  signal?: AbortSignal,
): Promise<Page> {
  const since = updatedSince(state)
  const listed = await listPage(api, state, since, scope.locationId, signal)
  const sinceMs = since === undefined ? undefined : Date.parse(since)
  const changed: unknown[] = []
  let maxSeen: string | null = null
  for (const raw of listed.items) {
    const updated = updatedAtOf(raw)
    if (updated !== null) maxSeen = laterOf(maxSeen, updated)
    // /v2/disputes cannot filter by time: drop what has not changed since the last cycle.
    if (state.resource === 'disputes' && sinceMs !== undefined && updated !== null && Date.parse(updated) < sinceMs)
      continue
    changed.push(raw)
  }
  const {next, hasMore} = advance(state, maxSeen, listed.cursor)
  // The next cursor needs only updated_at: the objects are translated once the next request is on its way.
  const translate = TRANSLATORS[state.resource]
  return deferredPage(next as unknown as Cursor, hasMore, () => {
    const out: {items: FetchedTxn[]; invalid: Quarantined[]} = {items: [], invalid: []}
    for (const raw of changed) collect(translate(raw, scope.ctx), out)
    return out
  })
}

async function listPage(
  api: SquareApi,
  state: SquareCursor,
  since: string | undefined,
  locationId: string | undefined,
  signal?: AbortSignal,
): Promise<{items: unknown[]; cursor: string | undefined}> {
  const cursor = state.page ?? undefined
  const query =
    state.resource === 'disputes'
      ? {cursor, location_id: locationId}
      : {
          begin_time: CREATED_AT_FLOOR,
          updated_at_begin_time: since,
          sort_field: 'UPDATED_AT',
          sort_order: 'ASC',
          limit: PAGE_LIMIT,
          cursor,
          location_id: locationId,
        }
  const endpoint = `GET /v2/${state.resource}`
  const envelope = ENVELOPES[state.resource].safeParse(await api.get(`/v2/${state.resource}`, query, endpoint, signal))
  // A list envelope that is not Square's shape: nothing to quarantine, and advancing would skip data, so the page fails.
  if (!envelope.success)
    throw new SquareApiError(200, endpoint, [
      {category: 'API_ERROR', code: 'UNEXPECTED_LIST_BODY', detail: describeIssues(envelope.error)},
    ])
  return envelope.data
}

function updatedAtOf(raw: unknown): string | null {
  if (!raw || typeof raw !== 'object' || !('updated_at' in raw) || typeof raw.updated_at !== 'string') return null
  return Number.isNaN(Date.parse(raw.updated_at)) ? null : raw.updated_at
}
